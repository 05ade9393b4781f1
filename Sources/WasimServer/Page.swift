// The page `GET /` serves: paste Arabic text, see the entities in place, click one for what
// produced it. One file, no external resources (it works offline and behind any proxy). The
// colours and legend are those of `wasim tag --format html`.

enum Page {
    static let html = #"""
<!DOCTYPE html>
<html lang="ar" dir="rtl">
<head>
<meta charset="utf-8"/>
<meta name="viewport" content="width=device-width, initial-scale=1"/>
<title>واسم · Wasim</title>
<style>
body { font-family: "Noto Naskh Arabic", "Amiri", "Geeza Pro", serif; font-size: 1.15em; line-height: 1.9; max-width: 62em; margin: 1.5em auto; padding: 0 1em; color: #222; }
h1 { margin: 0; font-size: 1.6em; }
header p, .legend, footer, aside, button, #status { font-family: sans-serif; font-size: 0.8em; }
textarea { width: 100%; box-sizing: border-box; min-height: 9em; font: inherit; padding: 0.5em; }
button { padding: 0.3em 1.2em; margin-block: 0.4em; }
#error { background: #fde2e1; border: 1px solid #c00; color: #800; padding: 0.4em 0.8em; white-space: pre-wrap; direction: ltr; text-align: left; font-family: monospace; font-size: 0.8em; }
main { display: flex; gap: 1.2em; align-items: flex-start; }
#out { flex: 3; white-space: pre-wrap; border-top: 1px solid #ddd; padding-top: 0.5em; min-height: 3em; }
aside { flex: 2; position: sticky; top: 1em; border: 1px solid #ddd; border-radius: 4px; padding: 0.6em 0.9em; background: #fafafa; }
aside dt { font-weight: bold; margin-top: 0.4em; }
aside dd { margin-inline-start: 1em; }
mark.e { background: #e0e0e0; border-radius: 3px; padding: 0 2px; cursor: pointer; }
mark.e:focus, mark.e.chosen { outline: 2px solid #333; }
mark.e::after { content: attr(data-type); font: 0.55em sans-serif; vertical-align: super; margin-inline-start: 2px; color: #555; }
.legend { display: flex; flex-wrap: wrap; gap: 0.3em 0.6em; align-items: baseline; }
.legend bdi, footer bdi { border-radius: 3px; padding: 0 4px; white-space: nowrap; }
.legend .hint { white-space: nowrap; color: #555; }
.t-PER { background: #ffd6a5 !important; }
.t-ORG { background: #bde0fe !important; }
.t-LOC { background: #caffbf !important; }
.t-NUMRANGE { background: #ffc6ff !important; }
</style>
</head>
<body>
<header>
<h1>واسم · <bdi>Wasim</bdi></h1>
<p id="version" dir="ltr"></p>
<div id="error" hidden></div>
</header>
<textarea id="text" dir="rtl" lang="ar" placeholder="الصق نصًا عربيًا هنا · paste Arabic text here"></textarea>
<div><button id="go">حلّل · Tag</button> <span id="status"></span></div>
<p class="legend"><bdi class="t-PER">PER: شخص · person</bdi> <bdi class="t-ORG">ORG: منظمة · organization</bdi> <bdi class="t-LOC">LOC: مكان · location</bdi> <bdi class="t-NUMRANGE">NUMRANGE: نطاق عددي · numeric range</bdi> <bdi class="hint">انقر كيانًا لترى مصدره · click an entity for its source</bdi></p>
<main>
<div id="out" lang="ar"></div>
<aside id="why" hidden></aside>
</main>
<footer><p id="counts" dir="ltr"></p></footer>
<script>
"use strict";
const $ = id => document.getElementById(id);
let shown = [];

async function info() {
  try {
    const i = await (await fetch("/v1/info")).json();
    $("version").textContent = "wasim " + i.version + " · " + i.rules.count + " rules · " +
      (i.lists ? i.lists.entries + " list entries" : "no lists") + (i.watch ? " · watching rule and list files" : "");
    $("error").hidden = !i.error;
    $("error").textContent = i.error ? "The rules or lists failed to reload; the ones loaded before are still in use.\n" + i.error.message : "";
  } catch (e) { $("version").textContent = "cannot reach the server: " + e; }
}

async function run() {
  const text = $("text").value;
  if (!text.trim()) return;
  $("status").textContent = "…";
  try {
    const r = await fetch("/v1/explain", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ text }) });
    const body = await r.json();
    if (!r.ok) { $("status").textContent = body.error; return; }
    $("status").textContent = "";
    render(text, body.entities);
    // ?explain=K opens entity K's explanation (for a screenshot or a link to share).
    const k = given.get("explain"), m = k !== null && document.querySelector('mark[data-k="' + (+k || 0) + '"]');
    if (m) explain(m);
  } catch (e) { $("status").textContent = String(e); }
  info();
}

// Offsets are code points; a JavaScript string counts UTF-16 units, so slice an array of code points.
function render(text, entities) {
  const cps = Array.from(text), out = $("out"), counts = {};
  out.textContent = "";
  $("why").hidden = true;
  shown = entities.filter(e => !e.suppressed);
  let at = 0;
  shown.forEach((e, k) => {
    out.append(cps.slice(at, e.start).join(""));
    const m = document.createElement("mark");
    m.className = "e t-" + e.type.replace(/[^A-Za-z0-9_-]/g, "");
    m.dataset.type = e.type;
    m.dataset.k = k;
    m.tabIndex = 0;
    m.textContent = cps.slice(e.start, e.end).join("");
    out.append(m);
    at = e.end;
    counts[e.type] = (counts[e.type] || 0) + 1;
  });
  out.append(cps.slice(at).join(""));
  const c = $("counts");
  c.textContent = "";
  const total = document.createElement("bdi");
  total.textContent = shown.length + " entities" + (shown.length ? ":" : "");
  c.append(total);
  Object.keys(counts).sort().forEach(t => {
    const b = document.createElement("bdi");
    b.className = "t-" + t.replace(/[^A-Za-z0-9_-]/g, "");
    b.textContent = t + " " + counts[t];
    c.append(" ", b);
  });
}

function source(s) {
  const [kind, ...rest] = s.split(":"), name = rest.join(":");
  if (kind === "rule") return "rule " + name;
  if (kind === "gazetteer") return "list " + name;
  return s;
}

function explain(mark) {
  document.querySelectorAll("mark.chosen").forEach(m => m.classList.remove("chosen"));
  mark.classList.add("chosen");
  const e = shown[+mark.dataset.k], why = $("why");
  why.textContent = "";
  const dl = document.createElement("dl");
  const add = (term, value, ltr) => {
    const dt = document.createElement("dt"), dd = document.createElement("dd");
    dt.textContent = term;
    dd.textContent = value;
    if (ltr) dd.dir = "ltr";
    dl.append(dt, dd);
  };
  add("الكيان · entity", e.text);
  add("النوع · type", e.type + "  (" + e.start + "–" + e.end + ")", true);
  add("المصدر · source", source(e.source), true);
  if (e.id) add("المعرّف · id", e.id, true);
  if (e.low !== undefined) add("القيم · values", e.low + " – " + e.high + (e.unit ? " " + e.unit : ""));
  if (e.priority) add("الأولوية · priority", String(e.priority), true);
  if (e.beat.length) {
    add("تغلّب على · beat", "");
    const ul = document.createElement("ul");
    e.beat.forEach(b => {
      const li = document.createElement("li");
      li.append(b.type + " ");
      const t = document.createElement("bdi"); t.textContent = b.text; li.append(t);
      const s = document.createElement("bdi"); s.textContent = " ← " + source(b.source); s.dir = "ltr"; li.append(s);
      ul.append(li);
    });
    dl.lastChild.append(ul);
  } else {
    add("تغلّب على · beat", "لا شيء · nothing");
  }
  why.append(dl);
  why.hidden = false;
}

$("out").addEventListener("click", ev => { const m = ev.target.closest("mark"); if (m) explain(m); });
$("out").addEventListener("keydown", ev => { if (ev.key === "Enter" && ev.target.matches("mark")) explain(ev.target); });
$("go").addEventListener("click", run);
$("text").addEventListener("keydown", ev => { if (ev.key === "Enter" && (ev.ctrlKey || ev.metaKey)) run(); });
const given = new URLSearchParams(location.search);
if (given.has("text")) { $("text").value = given.get("text"); run(); } else { info(); }
</script>
</body>
</html>
"""#
}
