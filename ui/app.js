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
