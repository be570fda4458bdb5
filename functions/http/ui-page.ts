/**
 * The people's view: one static page that reads the JSON API (`GET /runs`, `GET /runs/:ref`)
 * and follows a run live over `GET /runs/:ref/events`. All text goes in through textContent,
 * so nothing from a repo or a log is ever parsed as HTML.
 */
export const UI_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>quire</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:2rem;color:#222}
h1{font-size:1.3rem} table{border-collapse:collapse;width:100%} td,th{padding:.3rem .6rem;border-bottom:1px solid #ddd;text-align:left}
a{color:#0645ad;cursor:pointer} .succeeded{color:#187a2f}.failed,.errored,.timed-out{color:#b00020}.orphaned,.cancelled,.superseded{color:#8a6d00}
pre{background:#111;color:#eee;padding:.8rem;overflow:auto;max-height:60vh;font-size:12px} .muted{color:#777}
</style></head><body>
<h1>quire runs</h1>
<div id="list"></div>
<div id="run" hidden><p><a id="back">← all runs</a></p><h2 id="title"></h2><p id="summary"></p><pre id="log"></pre></div>
<script type="module">
const $ = (id) => document.getElementById(id);
const el = (tag, text, cls) => { const e = document.createElement(tag); if (text !== undefined) e.textContent = String(text); if (cls) e.className = cls; return e; };
async function showList() {
  $("run").hidden = true; $("list").hidden = false;
  const res = await fetch("/runs?limit=100"); const body = await res.json();
  const table = el("table"); const head = el("tr");
  for (const h of ["run", "ref", "sha", "status", "outcome", "updated"]) head.append(el("th", h));
  table.append(head);
  for (const r of body.runs) {
    const tr = el("tr"); const link = el("a", r.repo + "#" + r.number);
    link.onclick = () => { location.hash = r.run_id; };
    const cell = el("td"); cell.append(link); tr.append(cell);
    tr.append(el("td", r.ref), el("td", String(r.sha).slice(0, 10)), el("td", r.status), el("td", r.outcome ?? "", r.outcome ?? ""), el("td", r.updated_at ?? "", "muted"));
    table.append(tr);
  }
  $("list").replaceChildren(body.runs.length ? table : el("p", "No runs yet: push a commit with .quire/ci.ts.", "muted"));
}
let source;
function showRun(id) {
  $("list").hidden = true; $("run").hidden = false; $("log").textContent = "";
  source?.close(); source = new EventSource("/runs/" + encodeURIComponent(id) + "/events");
  source.addEventListener("state", (e) => { const r = JSON.parse(e.data);
    $("title").textContent = r.repo + "#" + r.number + " · " + r.ref;
    $("summary").textContent = r.status + (r.outcome ? " · " + r.outcome : "") + (r.error ? " · " + r.error : ""); });
  source.addEventListener("log", (e) => { const l = JSON.parse(e.data); $("log").textContent += "[" + l.job + "] " + l.line + "\\n"; });
  source.addEventListener("end", () => source.close());
}
$("back").onclick = () => { location.hash = ""; };
const route = () => (location.hash.length > 1 ? showRun(location.hash.slice(1)) : showList());
window.onhashchange = route; route();
</script></body></html>`;
