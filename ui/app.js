document.addEventListener("click", function (ev) {
  var a = ev.target && ev.target.closest ? ev.target.closest("a.rag-cite") : null;
  if (!a) return;
  var id = (a.getAttribute("href") || "").replace(/^#/, "");
  var el = id ? document.getElementById(id) : null;
  if (!el) return;
  ev.preventDefault();
  ev.stopPropagation();
  var d = el.closest("details");
  if (d) d.open = true;
  document.querySelectorAll(".rag-source.rag-focus").forEach(function (x) { x.classList.remove("rag-focus"); });
  el.classList.add("rag-focus");
  el.scrollIntoView({behavior: "smooth", block: "center"});
}, true);

// The Copy link of an answer: its text and its sources as plain text ("[1] Title (file, p. 2)"), to the clipboard.
function ragAnswerText(answer) {
  var text = answer.querySelector(".rag-text");
  var lines = [(text ? text.innerText : "").trim()];
  var sources = answer.querySelectorAll(".rag-sources .rag-source");
  if (sources.length) lines.push("", "Sources:");
  sources.forEach(function (li) {
    var pick = function (sel) { var el = li.querySelector(sel); return el ? el.innerText.trim() : ""; };
    var file = li.querySelector(".rag-file");
    var where = [file ? (file.getAttribute("title") || file.innerText).trim() : "", pick(".rag-place")]
      .filter(Boolean).join(", ");
    lines.push(pick(".rag-n") + " " + pick(".rag-title") + (where ? " (" + where + ")" : ""));
  });
  return lines.join("\n");
}

function ragCopy(text) {
  if (navigator.clipboard && window.isSecureContext) return navigator.clipboard.writeText(text);
  // a page served over plain http on another host has no clipboard API: the old way
  var area = document.createElement("textarea");
  area.value = text;
  area.style.position = "fixed";
  area.style.left = "-9999px";
  document.body.appendChild(area);
  area.select();
  try { document.execCommand("copy"); } finally { document.body.removeChild(area); }
  return Promise.resolve();
}

document.addEventListener("click", function (ev) {
  var a = ev.target && ev.target.closest ? ev.target.closest("a.rag-copy") : null;
  if (!a) return;
  ev.preventDefault();
  ev.stopPropagation();
  var answer = a.closest(".rag-answer");
  if (!answer) return;
  ragCopy(ragAnswerText(answer)).then(function () {
    a.textContent = "Copied";
    setTimeout(function () { a.textContent = "Copy"; }, 1500);
  });
}, true);
