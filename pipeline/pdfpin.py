"""Byte-reproducible PDF/A: pin the parts of a LibreOffice PDF that change on every run.

LibreOffice writes a fresh trailer ``/ID``, a ``/DocChecksum`` trailer entry, the creation date
(Info ``/CreationDate`` and XMP ``xmp:CreateDate``) and the creation date of the sRGB ICC
profile embedded in the PDF/A OutputIntent. ``pin_pdf`` rewrites those from a caller-given
timestamp and seed, so converting the same document twice gives byte-identical files, and the
result still declares PDF/A-2b (Info and XMP dates are kept equal, as PDF/A requires).

``pdf_info`` reads back what the pipeline and the tests check: the PDF/A part and conformance,
title, author, page count and whether every font is embedded.
"""

from __future__ import annotations

import hashlib
import io
import struct
import zlib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pikepdf

from pipeline.files import atomic_write_bytes

__all__ = ["pdf_info", "pin_pdf"]

# qpdf's fixed second /ID element written with ``static_id=True`` (hex digits of pi).
_QPDF_STATIC_ID = b"31415926535897932384626433832795"

# ICC profile header (ICC.1:2010, 7.2): dateTimeNumber at 24..35, profile ID (MD5) at 84..99.
_ICC_DATE = slice(24, 36)
_ICC_FLAGS = slice(44, 48)
_ICC_INTENT = slice(64, 68)
_ICC_ID = slice(84, 100)


def _as_utc(timestamp: datetime) -> datetime:
    """The timestamp in UTC, whole seconds; a naive datetime is taken to be UTC already."""
    if timestamp.tzinfo is None:
        timestamp = timestamp.replace(tzinfo=UTC)
    return timestamp.astimezone(UTC).replace(microsecond=0)


def _pin_icc_profile(profile: bytes, when: datetime) -> bytes:
    """Set the ICC header date; recompute the profile ID if the profile had one."""
    if len(profile) < 128:
        return profile
    data = bytearray(profile)
    data[_ICC_DATE] = struct.pack(
        ">6H", when.year, when.month, when.day, when.hour, when.minute, when.second
    )
    if any(data[_ICC_ID]):
        # The ID is the MD5 of the profile with flags, rendering intent and ID zeroed.
        probe = bytearray(data)
        for field in (_ICC_FLAGS, _ICC_INTENT, _ICC_ID):
            probe[field] = bytes(field.stop - field.start)
        data[_ICC_ID] = hashlib.md5(probe).digest()
    return bytes(data)


def _pin_output_intents(pdf: pikepdf.Pdf, when: datetime) -> None:
    """Rewrite every OutputIntent's ICC profile with a fixed header date."""
    for intent in pdf.Root.get("/OutputIntents", pikepdf.Array()):
        stream = intent.get("/DestOutputProfile")
        if not isinstance(stream, pikepdf.Stream):
            continue
        original = stream.read_bytes()
        pinned = _pin_icc_profile(original, when)
        if pinned != original:
            stream.write(zlib.compress(pinned, 9), filter=pikepdf.Name.FlateDecode)


def pin_pdf(path: Path, *, timestamp: datetime, seed: bytes, keywords: str | None = None) -> None:
    """Rewrite the PDF at ``path`` in place (atomically) so it depends only on its content.

    Dates in Info, XMP and the OutputIntent ICC profile are set from ``timestamp``;
    ``/DocChecksum`` is dropped; the trailer ``/ID`` becomes two copies of ``md5(seed)``.
    ``keywords`` ("ORE; JST; harmonogram działań rozwojowych"), when given, replace the keywords
    LibreOffice split into single words, in Info and XMP alike, as the .docx has them.
    Identical input with identical arguments gives byte-identical output.
    """
    path = Path(path)
    when = _as_utc(timestamp)
    pdf_date = when.strftime("D:%Y%m%d%H%M%SZ")
    xmp_date = when.strftime("%Y-%m-%dT%H:%M:%SZ")
    digest = hashlib.md5(seed).digest()

    buffer = io.BytesIO()
    with pikepdf.open(path) as pdf:
        pdf.docinfo[pikepdf.Name.CreationDate] = pikepdf.String(pdf_date)
        pdf.docinfo[pikepdf.Name.ModDate] = pikepdf.String(pdf_date)
        if keywords is not None:
            pdf.docinfo[pikepdf.Name.Keywords] = pikepdf.String(keywords)
        with pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as meta:
            for key in ("xmp:CreateDate", "xmp:ModifyDate", "xmp:MetadataDate"):
                meta[key] = xmp_date
            if keywords is not None:
                meta["pdf:Keywords"] = keywords
        _pin_output_intents(pdf, when)
        if pikepdf.Name.DocChecksum in pdf.trailer:
            del pdf.trailer[pikepdf.Name.DocChecksum]
        pdf.trailer[pikepdf.Name.ID] = pikepdf.Array([pikepdf.String(digest)] * 2)
        pdf.save(
            buffer,
            static_id=True,  # keeps our /ID[0]; /ID[1] becomes qpdf's constant, patched below
            object_stream_mode=pikepdf.ObjectStreamMode.preserve,
            compress_streams=True,
            recompress_flate=False,
            normalize_content=False,
            linearize=False,
        )
    data = buffer.getvalue()
    ours = digest.hex().encode()
    written_id = b"/ID [<" + ours + b"><" + _QPDF_STATIC_ID + b">]"
    if data.count(written_id) == 1:  # same length, in the trailer, outside any stream
        data = data.replace(written_id, b"/ID [<" + ours + b"><" + ours + b">]")
    atomic_write_bytes(path, data)


def _font_embedded(font: pikepdf.Dictionary) -> bool:
    """Whether one (non-Type0) font dictionary carries its font program."""
    if font.get("/Subtype") == pikepdf.Name.Type3:
        return True  # glyphs are PDF content streams
    descriptor = font.get("/FontDescriptor")
    if not isinstance(descriptor, pikepdf.Dictionary):
        return False
    return any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3"))


def pdf_info(path: Path) -> dict[str, Any]:
    """What the pipeline checks in a produced PDF.

    Returns ``{"pdfa_part": "2", "pdfa_conformance": "B", "title": ..., "author": ...,
    "fonts_all_embedded": bool, "pages": int}``; missing values are ``None``.
    """
    with pikepdf.open(path) as pdf:
        meta = pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False)
        part = meta.get("pdfaid:part")
        conformance = meta.get("pdfaid:conformance")
        title = pdf.docinfo.get("/Title")
        author = pdf.docinfo.get("/Author")
        fonts = [
            obj
            for obj in pdf.objects
            if isinstance(obj, pikepdf.Dictionary)
            and obj.get("/Type") == pikepdf.Name.Font
            and obj.get("/Subtype") != pikepdf.Name.Type0  # its descendants are checked
        ]
        return {
            "pdfa_part": str(part) if part is not None else None,
            "pdfa_conformance": str(conformance) if conformance is not None else None,
            "title": str(title) if title is not None else meta.get("dc:title"),
            "author": str(author) if author is not None else None,
            "keywords": str(pdf.docinfo["/Keywords"]) if "/Keywords" in pdf.docinfo else None,
            "fonts_all_embedded": all(_font_embedded(font) for font in fonts),
            "pages": len(pdf.pages),
        }
