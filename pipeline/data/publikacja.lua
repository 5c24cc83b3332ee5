-- Word documents to HTML fragments for publication, in one warm `pandoc lua` process.
-- Protocol (stdin/stdout): one line with the path of a .docx in; "ok <bytes>\n<html>" or
-- "error <bytes>\n<message>" out. The Title and Subtitle paragraphs of the document become the
-- page's <h1> and its subtitle; custom paragraph styles stay visible as data-custom-style
-- (pipeline/publish.py maps them to elements).
local template = pandoc.template.compile([[
<hgroup>
<h1>$title$</h1>
$if(subtitle)$
<p class="subtitle">$subtitle$</p>
$endif$
</hgroup>
$body$
]])

for path in io.lines() do
  local ok, result = pcall(function()
    local file = assert(io.open(path, "rb"))
    local data = file:read("a")
    file:close()
    local doc = pandoc.read(data, "docx+styles")
    return pandoc.write(doc, "html5", { template = template, wrap_text = "none" })
  end)
  result = tostring(result)
  io.stdout:write(ok and "ok " or "error ", #result, "\n", result)
  io.stdout:flush()
end
