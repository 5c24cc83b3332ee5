// Teczka online: drag-and-drop onto the upload form, and live refresh of marked regions.
// The pages work without it: the form is a plain multipart form, the pages are complete.
"use strict";

function enableDrop(form) {
  const input = form.querySelector("input[type=file]");
  const hint = form.querySelector(".drop-hint");
  if (!input || !("DataTransfer" in window)) return;
  if (hint) hint.hidden = false;
  const on = (event) => { event.preventDefault(); form.classList.add("dragging"); };
  const off = () => form.classList.remove("dragging");
  form.addEventListener("dragenter", on);
  form.addEventListener("dragover", on);
  form.addEventListener("dragleave", off);
  form.addEventListener("drop", (event) => {
    event.preventDefault();
    off();
    if (!event.dataTransfer || !event.dataTransfer.files.length) return;
    input.files = event.dataTransfer.files;
    form.requestSubmit();
  });
}

// <div data-refresh="URL" [data-while="selector"]>: fetch URL every few seconds and replace the
// content (server-rendered, escaped HTML); with data-while, only while the selector matches.
function enableRefresh(region) {
  const url = region.dataset.refresh;
  const condition = region.dataset.while;
  let last = region.innerHTML;
  const tick = async () => {
    if (condition && !region.querySelector(condition)) return;
    try {
      const response = await fetch(url, { credentials: "same-origin", cache: "no-store" });
      if (response.ok) {
        const html = await response.text();
        if (html !== last) { region.innerHTML = html; last = html; }
      }
    } catch (error) { /* offline for a moment: try again at the next tick */ }
    setTimeout(tick, 1500);
  };
  setTimeout(tick, 1500);
}

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("form[data-dropzone]").forEach(enableDrop);
  document.querySelectorAll("[data-refresh]").forEach(enableRefresh);
  const result = document.getElementById("h-wynik");
  if (result) result.focus();
});
