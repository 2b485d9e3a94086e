/**
 * The dashboard page, embedded in the binary: no CDN, no chart service.
 * Plain DOM and SVG; every value from the API goes in as text (never HTML),
 * so a server's name cannot inject markup. Light and dark follow the system;
 * one column on a phone. The strict CSP allows only these same-origin files.
 */

export const INDEX_HTML = String.raw`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>vmcrawl: Mastodon patch census</title>
<link rel="stylesheet" href="/app.css">
<link rel="icon" href="data:,">
<script src="/app.js" defer></script>
</head>
<body>
<header>
  <h1>Mastodon patch census</h1>
  <p id="as-of" class="muted">Loading&hellip;</p>
</header>
<main>
  <section class="cards" aria-label="Headline figures">
    <div class="card"><span class="label">Servers</span><span class="value" id="servers">&ndash;</span></div>
    <div class="card"><span class="label">Monthly active users</span><span class="value" id="users">&ndash;</span></div>
    <div class="card"><span class="label">Servers patched</span><span class="value" id="patched-servers">&ndash;</span></div>
    <div class="card"><span class="label">Users on a patched server</span><span class="value" id="patched-users">&ndash;</span></div>
    <div class="card"><span class="label">Servers end-of-life</span><span class="value" id="eol-servers">&ndash;</span></div>
  </section>
  <section>
    <h2>Patched share per branch</h2>
    <table id="branches"><thead><tr><th>Branch</th><th>Role</th><th>Latest</th><th class="num">Servers</th><th>Patched</th><th class="num">Users</th><th>Users patched</th></tr></thead><tbody></tbody></table>
  </section>
  <section class="two">
    <div>
      <h2>Versions</h2>
      <div id="versions" class="bars"></div>
    </div>
    <div>
      <h2>Patched share, last 90 days</h2>
      <svg id="history" viewBox="0 0 600 220" role="img" aria-label="Share of servers and users on a patched release per day"></svg>
      <p class="legend"><span class="swatch servers"></span>servers <span class="swatch users"></span>users</p>
    </div>
  </section>
  <section>
    <h2>Release adoption: share of each branch's servers on a release or later, by days since it was published</h2>
    <div id="velocity" class="charts"></div>
  </section>
  <section>
    <h2>Security advisories: who is affected now, and servers exposed since each was published</h2>
    <div class="two">
      <table id="advisories"><thead><tr><th>Advisory</th><th>Severity</th><th class="num">Servers affected</th><th class="num">Users affected</th></tr></thead><tbody></tbody></table>
      <div>
        <svg id="exposure" viewBox="0 0 600 220" role="img" aria-label="Servers on a version each advisory affects, by days since it was published"></svg>
        <p class="legend" id="exposure-legend"></p>
      </div>
    </div>
  </section>
  <section>
    <h2>Servers</h2>
    <form id="key-form" hidden>
      <label for="key">This list needs the API key</label>
      <input id="key" type="password" autocomplete="off">
      <button type="submit">Show</button>
    </form>
    <div id="instance-controls">
      <input id="search" type="search" placeholder="Search a domain" aria-label="Search a domain">
      <select id="filter" aria-label="Which servers">
        <option value="all">All</option><option value="unpatched">Not patched</option><option value="eol">End-of-life</option><option value="main">Main branch</option><option value="failing">Failing now</option>
      </select>
    </div>
    <table id="instances"><thead><tr><th>Domain</th><th>Version</th><th>Branch</th><th>Status</th><th class="num">Users</th></tr></thead><tbody></tbody></table>
    <nav class="pager"><button id="prev" type="button">Previous</button><span id="page">&ndash;</span><button id="next" type="button">Next</button></nav>
  </section>
</main>
</body>
</html>
`;

export const STYLE_CSS = String.raw`
:root { color-scheme: light dark; --bg: #fbfbfd; --fg: #1b1d21; --muted: #5c6370; --card: #ffffff; --line: #e2e4ea; --good: #2e7d4f; --bad: #b3261e; --users: #5a4fcf; }
@media (prefers-color-scheme: dark) { :root { --bg: #16181c; --fg: #e6e8ec; --muted: #9aa1ad; --card: #1f2227; --line: #30343b; --good: #58c28a; --bad: #f2867e; --users: #a59cff; } }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; background: var(--bg); color: var(--fg); }
header, main { max-width: 1100px; margin: 0 auto; padding: 0 16px; }
h1 { font-size: 1.6rem; margin: 24px 0 4px; } h2 { font-size: 1.1rem; margin: 28px 0 10px; }
.muted { color: var(--muted); margin: 0; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(160px, 1fr)); gap: 12px; margin-top: 20px; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 12px 14px; display: flex; flex-direction: column; }
.card .label { color: var(--muted); font-size: .85rem; } .card .value { font-size: 1.5rem; font-weight: 650; font-variant-numeric: tabular-nums; }
table { width: 100%; border-collapse: collapse; background: var(--card); border: 1px solid var(--line); border-radius: 10px; overflow: hidden; }
th, td { text-align: left; padding: 7px 10px; border-bottom: 1px solid var(--line); font-variant-numeric: tabular-nums; }
th { font-size: .8rem; color: var(--muted); font-weight: 600; } .num { text-align: right; }
tbody tr:last-child td { border-bottom: 0; }
.meter { display: inline-block; width: 90px; height: 8px; border-radius: 4px; background: var(--line); vertical-align: middle; margin-right: 6px; overflow: hidden; }
.meter > span { display: block; height: 100%; background: var(--good); }
.two { display: grid; grid-template-columns: 1fr 1fr; gap: 24px; align-items: start; }
.bars .row { display: grid; grid-template-columns: 120px 1fr 70px; gap: 8px; align-items: center; margin: 3px 0; font-size: .9rem; }
.bars .bar { height: 10px; background: var(--users); border-radius: 3px; }
svg { width: 100%; height: auto; background: var(--card); border: 1px solid var(--line); border-radius: 10px; }
svg .axis { stroke: var(--line); } svg text { fill: var(--muted); font-size: 11px; }
svg .servers { fill: none; stroke: var(--good); stroke-width: 2; } svg .users { fill: none; stroke: var(--users); stroke-width: 2; }
svg .r0, svg .r1, svg .r2, svg .r3 { fill: none; stroke-width: 2; } svg .r0 { stroke: var(--good); } svg .r1 { stroke: var(--users); } svg .r2 { stroke: #d08770; } svg .r3 { stroke: #b48ead; }
.swatch.r0 { background: var(--good); } .swatch.r1 { background: var(--users); } .swatch.r2 { background: #d08770; } .swatch.r3 { background: #b48ead; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(320px, 1fr)); gap: 16px; } .charts figure { margin: 0; } .charts figcaption { font-weight: 600; margin-bottom: 4px; }
.legend { color: var(--muted); font-size: .85rem; } .swatch { display: inline-block; width: 12px; height: 3px; margin: 0 4px 3px 10px; } .swatch.servers { background: var(--good); } .swatch.users { background: var(--users); }
#instance-controls, #key-form { display: flex; gap: 8px; margin-bottom: 10px; flex-wrap: wrap; }
#key-form[hidden] { display: none; }
input, select, button { font: inherit; padding: 6px 10px; border: 1px solid var(--line); border-radius: 8px; background: var(--card); color: var(--fg); }
button { cursor: pointer; } button:disabled { opacity: .5; cursor: default; }
.pager { display: flex; gap: 12px; align-items: center; justify-content: flex-end; margin: 10px 0 40px; }
.bad { color: var(--bad); } .good { color: var(--good); }
@media (max-width: 720px) {
  .two { grid-template-columns: 1fr; } th, td { padding: 6px; } .meter { width: 40px; }
  /* Wide tables scroll inside themselves rather than widening the page. */
  table { display: block; overflow-x: auto; white-space: nowrap; }
  .bars .row { grid-template-columns: 100px 1fr 50px; }
}
`;

export const APP_JS = String.raw`"use strict";
(function () {
  var state = { page: 1, perPage: 25, q: "", filter: "all", key: sessionStorage.getItem("vmcrawl-key") || "" };
  function el(tag, text, cls) { var e = document.createElement(tag); if (text !== undefined && text !== null) e.textContent = String(text); if (cls) e.className = cls; return e; }
  function num(n) { return Number(n).toLocaleString("en"); }
  function pct(s) { return s === null || s === undefined ? "\u2013" : (s * 100).toFixed(1) + "%"; }
  function share(a, b) { return b > 0 ? a / b : null; }
  function get(path, keyed) {
    var headers = {};
    if (keyed && state.key) headers["X-API-Key"] = state.key;
    return fetch(path, { headers: headers }).then(function (r) {
      if (r.status === 401) { var e = new Error("key"); e.status = 401; throw e; }
      if (!r.ok) throw new Error(path + ": HTTP " + r.status);
      return r.json();
    });
  }
  function meter(s) { var m = el("span", undefined, "meter"); var f = el("span"); f.style.width = Math.round((s || 0) * 100) + "%"; m.appendChild(f); return m; }
  function cell(row, content, cls) { var td = el("td", undefined, cls); if (content instanceof Node) td.appendChild(content); else td.textContent = content; row.appendChild(td); return td; }
  function withMeter(s) { var span = el("span"); span.appendChild(meter(s)); span.appendChild(document.createTextNode(pct(s))); return span; }

  function summary(s) {
    document.getElementById("as-of").textContent = "Servers that answered in the last " + s.windowDays + " days, as of " + s.asOf.replace("T", " ").slice(0, 16) + " UTC";
    document.getElementById("servers").textContent = num(s.instances);
    document.getElementById("users").textContent = num(s.mau);
    document.getElementById("patched-servers").textContent = pct(s.patched.instanceShare);
    document.getElementById("patched-users").textContent = pct(s.patched.mauShare);
    document.getElementById("eol-servers").textContent = pct(s.eol.instanceShare);
  }
  function branches(list) {
    var body = document.querySelector("#branches tbody"); body.textContent = "";
    list.forEach(function (b) {
      var tr = el("tr");
      cell(tr, b.branch); cell(tr, b.role); cell(tr, b.latest || "\u2013"); cell(tr, num(b.instances), "num");
      cell(tr, b.role === "eol" ? el("span", "end-of-life", "bad") : withMeter(b.patchedInstanceShare));
      cell(tr, num(b.mau), "num");
      cell(tr, b.role === "eol" ? "\u2013" : withMeter(b.patchedMauShare));
      body.appendChild(tr);
    });
  }
  function versions(list) {
    var box = document.getElementById("versions"); box.textContent = "";
    var top = list.slice(0, 15); var max = top.reduce(function (m, v) { return Math.max(m, v.instances); }, 1);
    top.forEach(function (v) {
      var row = el("div", undefined, "row"); row.appendChild(el("span", v.version));
      var bar = el("div", undefined, "bar"); bar.style.width = Math.max(1, Math.round(v.instances / max * 100)) + "%"; row.appendChild(bar);
      row.appendChild(el("span", num(v.instances), "num")); box.appendChild(row);
    });
  }
  var SVG = "http://www.w3.org/2000/svg";
  /**
   * A line chart in one svg: y from 0 to yMax (three labelled rules), x from 0 to xMax, a polyline per
   * series ({ cls, points: [[x, y]] }), the two ends of the x axis named; a message when nothing is drawn.
   */
  function chart(svg, o) {
    while (svg.firstChild) svg.removeChild(svg.firstChild);
    function node(tag, attrs, text) { var n = document.createElementNS(SVG, tag); Object.keys(attrs).forEach(function (k) { n.setAttribute(k, attrs[k]); }); if (text) n.textContent = text; svg.appendChild(n); return n; }
    [0, 0.5, 1].forEach(function (f) { var py = 200 - f * 180; node("line", { x1: 40, x2: 590, y1: py, y2: py, "class": "axis" }); node("text", { x: 4, y: py + 4 }, o.yLabel(f * o.yMax)); });
    if (o.series.length === 0) { node("text", { x: 170, y: 110 }, o.empty); return; }
    var xMax = Math.max(1, o.xMax); var yMax = o.yMax > 0 ? o.yMax : 1;
    o.series.forEach(function (s) {
      var pts = s.points.map(function (p) { return (40 + (o.xMax === 0 ? 275 : p[0] * 550 / xMax)).toFixed(1) + "," + (200 - p[1] / yMax * 180).toFixed(1); });
      node("polyline", { points: pts.join(" "), "class": s.cls });
    });
    node("text", { x: 40, y: 216 }, o.from); node("text", { x: 480, y: 216 }, o.to);
  }
  function percent(v) { return Math.round(v * 100) + "%"; }
  function history(days) {
    var valid = days.filter(function (d) { return !d.invalid && d.instances > 0; });
    function series(cls, value) { return { cls: cls, points: valid.map(function (d, i) { return [i, value(d)]; }) }; }
    chart(document.getElementById("history"), {
      yMax: 1, yLabel: percent, xMax: valid.length - 1, empty: "no days recorded yet",
      series: valid.length === 0 ? [] : [series("servers", function (d) { return share(d.patched_instances, d.instances) || 0; }), series("users", function (d) { return share(d.patched_mau, d.mau) || 0; })],
      from: valid.length ? valid[0].date : "", to: valid.length ? valid[valid.length - 1].date : ""
    });
  }
  /** The legend under a chart: a swatch and a name per series. */
  function legendOf(box, names) { box.textContent = ""; names.forEach(function (name, i) { box.appendChild(el("span", undefined, "swatch r" + i)); box.appendChild(document.createTextNode(name + " ")); }); }
  /** Per branch (newest first, at most four), its newest releases (the API lists them newest first): each one's share of the branch by days since publication. */
  function velocity(releases) {
    var box = document.getElementById("velocity"); box.textContent = "";
    var byBranch = {}; var order = [];
    releases.forEach(function (r) {
      if (!r.points.some(function (p) { return p.serverShare !== null; })) return;
      if (!byBranch[r.branch]) { byBranch[r.branch] = []; order.push(r.branch); }
      if (byBranch[r.branch].length < 4) byBranch[r.branch].push(r);
    });
    if (order.length === 0) { box.appendChild(el("p", "No release adoption recorded yet.", "muted")); return; }
    order.slice(0, 4).forEach(function (branch) {
      var shown = byBranch[branch];
      var figure = el("figure"); figure.appendChild(el("figcaption", branch));
      var svg = document.createElementNS(SVG, "svg"); svg.setAttribute("viewBox", "0 0 600 220"); svg.setAttribute("role", "img");
      svg.setAttribute("aria-label", "Share of the " + branch + " branch's servers on each of its newest releases, by days since it was published");
      figure.appendChild(svg); var legend = el("p", undefined, "legend"); figure.appendChild(legend); box.appendChild(figure);
      var maxDays = shown.reduce(function (m, r) { return Math.max(m, r.points[r.points.length - 1].days); }, 0);
      chart(svg, {
        yMax: 1, yLabel: percent, xMax: maxDays, empty: "",
        series: shown.map(function (r, i) { return { cls: "r" + i, points: r.points.filter(function (p) { return p.serverShare !== null; }).map(function (p) { return [p.days, p.serverShare]; }) }; }),
        from: "published", to: maxDays + " days later"
      });
      legendOf(legend, shown.map(function (r) { return r.release + (r.security ? " (security)" : "") + (r.partial ? " (since recording began)" : ""); }));
    });
  }
  /** The newest advisories (at most four): servers on a version each affects, by days since it was published. */
  function exposure(list) {
    var shown = list.filter(function (a) { return a.points.length > 0; }).slice(0, 4);
    var maxDays = shown.reduce(function (m, a) { return Math.max(m, a.points[a.points.length - 1].days); }, 0);
    var maxServers = shown.reduce(function (m, a) { return a.points.reduce(function (n, p) { return Math.max(n, p.servers); }, m); }, 0);
    chart(document.getElementById("exposure"), {
      yMax: maxServers, yLabel: function (v) { return num(Math.round(v)); }, xMax: maxDays, empty: "no exposure recorded yet",
      series: shown.map(function (a, i) { return { cls: "r" + i, points: a.points.map(function (p) { return [p.days, p.servers]; }) }; }),
      from: "published", to: maxDays + " days later"
    });
    legendOf(document.getElementById("exposure-legend"), shown.map(function (a) { return (a.cveId || a.ghsaId) + ": " + num(a.serverDays) + " server-days" + (a.partial ? " (since recording began)" : ""); }));
  }
  function advisories(a) {
    var body = document.querySelector("#advisories tbody"); body.textContent = "";
    if (a.advisories.length === 0) { var tr0 = el("tr"); cell(tr0, "No advisories imported yet"); body.appendChild(tr0); return; }
    a.advisories.forEach(function (x) {
      var tr = el("tr"); cell(tr, (x.cveId || x.ghsaId) + ": " + x.summary); cell(tr, x.severity || "\u2013");
      cell(tr, num(x.instances) + " (" + pct(share(x.instances, a.instances)) + ")", "num"); cell(tr, num(x.mau) + " (" + pct(share(x.mau, a.mau)) + ")", "num");
      body.appendChild(tr);
    });
  }
  function instances() {
    var q = "/instances?per_page=" + state.perPage + "&page=" + state.page + "&filter=" + encodeURIComponent(state.filter) + (state.q ? "&q=" + encodeURIComponent(state.q) : "");
    return get(q, true).then(function (r) {
      document.getElementById("key-form").hidden = true;
      var body = document.querySelector("#instances tbody"); body.textContent = "";
      r.instances.forEach(function (i) {
        var tr = el("tr"); cell(tr, i.domain); cell(tr, i.version || "\u2013"); cell(tr, i.branch || "\u2013");
        cell(tr, i.eol ? el("span", "end-of-life", "bad") : i.patched ? el("span", "patched", "good") : el("span", "not patched", "bad"));
        cell(tr, num(i.mau), "num"); body.appendChild(tr);
      });
      var pages = Math.max(1, Math.ceil(r.total / r.perPage));
      document.getElementById("page").textContent = "Page " + r.page + " of " + pages + " (" + num(r.total) + " servers)";
      document.getElementById("prev").disabled = r.page <= 1; document.getElementById("next").disabled = r.page >= pages;
    }).catch(function (e) { if (e.status === 401) document.getElementById("key-form").hidden = false; else throw e; });
  }
  function start() {
    Promise.all([get("/summary"), get("/branches"), get("/versions"), get("/history?days=90"), get("/advisories"), get("/velocity"), get("/exposure")]).then(function (r) {
      summary(r[0]); branches(r[1]); versions(r[2]); history(r[3]); advisories(r[4]); velocity(r[5]); exposure(r[6]);
    }).catch(function (e) { document.getElementById("as-of").textContent = "Could not load the figures: " + e.message; });
    instances();
    var timer;
    document.getElementById("search").addEventListener("input", function (e) { clearTimeout(timer); timer = setTimeout(function () { state.q = e.target.value.trim().toLowerCase(); state.page = 1; instances(); }, 250); });
    document.getElementById("filter").addEventListener("change", function (e) { state.filter = e.target.value; state.page = 1; instances(); });
    document.getElementById("prev").addEventListener("click", function () { state.page -= 1; instances(); });
    document.getElementById("next").addEventListener("click", function () { state.page += 1; instances(); });
    document.getElementById("key-form").addEventListener("submit", function (e) { e.preventDefault(); state.key = document.getElementById("key").value; sessionStorage.setItem("vmcrawl-key", state.key); instances(); });
  }
  start();
})();
`;
