// reelscore web app: plain JavaScript, no external resources. Renders the API's JSON (see /docs).
// Fields added by newer versions of the result (post_effect, outlook, neutral, effect_source,
// suggestion evidence, platform) are shown when present and skipped when absent.
"use strict";

const $ = (id) => document.getElementById(id);
const esc = (s) => String(s ?? "").replace(/[&<>"']/g, (c) => ({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c]));
const num = (x, d = 1) => (x === null || x === undefined || Number.isNaN(x)) ? "" : Number(x).toFixed(d);
const signed = (x, d = 1) => (x === null || x === undefined) ? "n/a" : (x >= 0 ? "+" : "−") + Math.abs(x).toFixed(d);
const cls = (x) => x === null || x === undefined || Math.abs(x) < 0.05 ? "zero" : x > 0 ? "pos" : "neg";
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function count(n) {
  if (n === null || n === undefined) return "";
  n = Number(n);
  for (const [u, k] of [["B", 1e9], ["M", 1e6], ["K", 1e3]]) if (n >= k) return (n / k).toFixed(1).replace(/\.0$/, "") + u;
  return n >= 10 ? n.toFixed(0) : n.toFixed(1).replace(/\.0$/, "");
}
function secs(t) { return Number(t).toFixed(1) + " s"; }
function waitText(s) {
  if (s === null || s === undefined) return "";
  if (s < 60) return "about " + Math.max(1, Math.round(s)) + " s";
  return "about " + Math.round(s / 60) + " min";
}

// ---------- API
async function api(path, opts = {}) {
  const r = await fetch(path, opts);
  let body = null;
  try { body = await r.json(); } catch (e) { body = null; }
  if (r.status === 401) { $("token-form").hidden = false; $("token").focus(); }
  if (!r.ok) throw new Error((body && body.detail) || ("HTTP " + r.status));
  return body;
}
const postJSON = (path, data) => api(path, {method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify(data)});

$("token-form").addEventListener("submit", (ev) => {
  ev.preventDefault();
  document.cookie = "reelscore_token=" + encodeURIComponent($("token").value) + "; path=/; SameSite=Strict";
  $("token-form").hidden = true;
  loadHistory();
});

// ---------- tabs (arrow keys move between them)
const tabs = ["analyze", "compare", "history"];
function showTab(name, focus = false) {
  for (const t of tabs) {
    const b = $("tab-btn-" + t), on = t === name;
    b.setAttribute("aria-selected", on ? "true" : "false");
    b.tabIndex = on ? 0 : -1;
    $("tab-" + t).hidden = !on;
    if (on && focus) b.focus();
  }
  if (name === "history") loadHistory();
}
for (const t of tabs) {
  const b = $("tab-btn-" + t);
  b.addEventListener("click", () => showTab(t));
  b.addEventListener("keydown", (ev) => {
    const i = tabs.indexOf(t);
    if (ev.key === "ArrowRight") showTab(tabs[(i + 1) % tabs.length], true);
    if (ev.key === "ArrowLeft") showTab(tabs[(i + tabs.length - 1) % tabs.length], true);
  });
}

// ---------- jobs: progress in words, place in the queue, expected wait, cancel
async function runJob(accepted, box) {
  box.hidden = false;
  box.innerHTML = '<p class="stage"></p><progress max="1" value="0" aria-label="Progress"></progress>' +
    '<p class="queue muted"></p><div class="actions"><button type="button" class="cancel">Cancel</button></div>';
  const stage = box.querySelector(".stage"), bar = box.querySelector("progress"), queue = box.querySelector(".queue");
  const cancel = box.querySelector(".cancel");
  cancel.onclick = async () => {
    cancel.disabled = true;
    try { await api("/api/v1/jobs/" + accepted.job_id, {method: "DELETE"}); } catch (e) { /* it ended meanwhile */ }
  };
  for (;;) {
    const j = await api(accepted.status_url);
    stage.textContent = j.stage_text + (j.detail ? " (" + j.detail + ")" : "") +
      (j.status === "running" ? " · " + Math.round(j.progress * 100) + " %" : "");
    bar.value = j.progress;
    const pos = j.queue_position;
    queue.textContent = j.status === "queued" ? (pos === 1 ? "Next in line" : "Position " + pos + " in the queue") +
      (j.expected_wait_s !== null ? " · done in " + waitText(j.expected_wait_s) : "")
      : j.status === "running" ? (j.expected_wait_s !== null ? "Done in " + waitText(j.expected_wait_s) : "") : "";
    if (["done", "failed", "cancelled"].includes(j.status)) {
      if (j.status === "done") box.hidden = true;
      else box.innerHTML = j.status === "failed" ? '<p class="error">Failed: ' + esc(j.error) + "</p>" : "<p>Cancelled.</p>";
      return j;
    }
    await sleep(j.status === "queued" ? 800 : 400);
  }
}
function showError(box, e) { box.hidden = false; box.innerHTML = '<p class="error">' + esc(e.message || e) + "</p>"; }

// ---------- analyze
function accountFields(f, prefix = "") {
  for (const k of ["followers", "following", "account_likes", "n_videos", "recent_views"]) {
    const el = $(prefix + k);
    if (el && el.value !== "") f.append(k, el.value);
  }
}
$("analyze-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const file = $("file").files[0];
  if (!file) return showError($("job"), "Choose a video first.");
  const f = new FormData();
  f.append("file", file);
  if ($("caption").value) f.append("caption", $("caption").value);
  accountFields(f);
  if (!$("platform-field").hidden && $("platform").value) f.append("platform", $("platform").value);
  $("go").disabled = true;
  try {
    const acc = await api("/api/v1/analyze", {method: "POST", body: f});
    const j = await runJob(acc, $("job"));
    if (j.status === "done") await openEntry(j.history_id);
  } catch (e) { showError($("job"), e); } finally { $("go").disabled = false; }
});

// caption-only score while typing (debounced)
let capTimer = null;
$("caption").addEventListener("input", () => {
  clearTimeout(capTimer);
  capTimer = setTimeout(async () => {
    const text = $("caption").value;
    if (!text.trim()) { $("capscore").textContent = ""; return; }
    const fo = $("followers").value;
    try {
      const j = await postJSON("/api/v1/caption", {text, followers: fo ? Number(fo) : null});
      $("capscore").textContent = "Caption score " + j.caption_score.toFixed(0) + "/100 · " + j.explanation;
    } catch (e) { $("capscore").textContent = e.message; }
  }, 450);
});

// ---------- the result, in the page
let current = null;  // the open history entry

async function openEntry(id) {
  const e = await api("/api/v1/history/" + id);
  current = e;
  history.replaceState(null, "", "#entry=" + id);  // a reload opens it again
  showTab("analyze");
  renderEntry(e);
  $("result").querySelector("h2").focus();
}

function renderEntry(e) {
  const r = e.result;
  // phone: in this order; wide screens: the video in a column of its own that stays in view
  $("result").innerHTML = '<div class="layout">' + scoreBlock(e) + mediaBlock(e) + numbersBlock(r) + suggestionsBlock(r) +
    contribBlock(r) + factorsBlock(r) + framesBlock(e) + captionsBlock(e) + moreBlock(e) + "</div>";
  wireResult(e);
}

function scoreBlock(e) {
  const r = e.result, m = r.media || {};
  let h = '<section class="card" aria-labelledby="score-h"><h2 id="score-h" tabindex="-1">Virality Score</h2>' +
    '<div class="scorecard"><div class="score-big"><span id="score">' + num(r.score, 0) + "</span><small>/100</small></div>" +
    '<div class="band" id="band">' + esc(e.band || "") + "</div></div>";
  const pe = r.post_effect;
  if (pe && pe.multiplier) {
    const mm = pe.multiplier;
    h += '<p class="effect" id="post-effect">This post vs your typical post: <b>×' + num(mm.p50, 2) + "</b> the views " +
      '<span class="muted">(80 % range ×' + num(mm.p10, 2) + " – ×" + num(mm.p90, 2) + ")</span></p>";
  }
  h += '<p class="def">' + esc(r.score_definition) + "</p>";
  const meta = [esc(e.filename)];
  if (m.width) meta.push(m.width + "×" + m.height);
  if (m.kind === "video") meta.push(num(m.duration_s) + " s");
  if (r.platform) meta.push(esc(r.platform));
  h += '<p class="muted small">' + meta.join(" · ") + (r.caption ? "<br>Caption: “" + esc(r.caption) + "”" : "<br>No caption") + "</p>";
  return h + "</section>";
}

function mediaBlock(e) {
  const md = e.media || {}, tl = e.timeline;
  let h = '<section class="card sticky" aria-labelledby="video-h"><h2 id="video-h">Your video</h2>';
  if (!md.url) h += '<p class="muted">The video was not kept (analyzed from a local path).</p>';
  else if (md.kind === "image") h += '<div class="player"><img id="picture" src="' + esc(md.url) + '" alt="The analyzed picture"></div>';
  else h += '<div class="player"><video id="video" controls preload="metadata" playsinline src="' + esc(md.url) + '"' +
    (e.cover ? ' poster="' + esc(e.cover.url) + '"' : "") + "></video></div>";
  if (tl) {
    h += '<div id="timeline" class="timeline" tabindex="0" role="slider" aria-label="Timeline: click or use the arrow keys to move the video" ' +
      'aria-valuemin="0" aria-valuemax="' + num(tl.duration_s) + '" aria-valuenow="0"></div>' +
      '<ul class="legend">' + [["var(--hook)", "hook (first 3 s)"], ["var(--cut)", "cut"], ["var(--speech)", "speech"],
        ["var(--text)", "on-screen text"], ["var(--face)", "face"], ["var(--silence)", "silence"],
        ["var(--static)", "nothing moves"], ["var(--worst)", "worst frame"]]
        .map(([c, t]) => '<li><i style="background:' + c + '"></i>' + t + "</li>").join("") + "</ul>";
  }
  return h + "</section>";
}

// the timeline: one row per kind of event on a shared time axis, a playhead following the video
const ROWS = [["hook", "Hook"], ["cuts", "Cuts"], ["speech", "Speech"], ["text", "Text"], ["faces", "Faces"],
              ["silence", "Silence"], ["static", "Still"], ["worst", "Worst"]];
function drawTimeline(tl, box) {
  const W = Math.max(240, box.clientWidth || 320), L = 58, R = 8, RH = 17, top = 4;
  const H = top + ROWS.length * RH + 18, dur = tl.duration_s, X = (t) => L + (W - L - R) * Math.min(Math.max(t / dur, 0), 1);
  const svg = [];
  const item = (x, w, y, h, color, title, t) => svg.push('<rect x="' + x.toFixed(1) + '" y="' + y + '" width="' + Math.max(w, 2).toFixed(1) +
    '" height="' + h + '" fill="' + color + '" rx="2" data-t="' + t + '"><title>' + esc(title) + "</title></rect>");
  ROWS.forEach(([k, label], i) => {
    const y = top + i * RH;
    svg.push('<text x="0" y="' + (y + 12) + '" font-size="11" fill="#59636e">' + label + "</text>");
    svg.push('<line x1="' + L + '" x2="' + (W - R) + '" y1="' + (y + RH / 2) + '" y2="' + (y + RH / 2) + '" stroke="#eaeef2"/>');
    const span = (s, c, what) => item(X(s.start), X(s.end) - X(s.start), y + 3, RH - 6, c,
      what + " " + num(s.start) + "–" + num(s.end) + " s" + (s.note && s.note !== what ? ": " + s.note : ""), s.start);
    if (k === "hook" && tl.hook) span(tl.hook, "rgba(9,105,218,.35)", "hook");
    if (k === "cuts") for (const c of tl.cuts) item(X(c) - 1, 2, y + 1, RH - 2, "#1f2328", "cut at " + secs(c), c);
    if (k === "speech") for (const s of tl.speech) span(s, "#2da44e", "speech");
    if (k === "text") for (const s of tl.text) item(X(s.t) - 3, 6, y + 3, RH - 6, "#8250df", "text at " + secs(s.t) + ": " + s.note, s.t);
    if (k === "faces") for (const s of tl.faces) span(s, "#bf8700", "face");
    if (k === "silence") for (const s of tl.silence) span(s, "#8c959f", "silence");
    if (k === "static") for (const s of tl.static) span(s, "#cf222e", "nothing moves");
    if (k === "worst" && tl.worst_frame) item(X(tl.worst_frame.t) - 2, 4, y + 1, RH - 2, "#cf222e",
      "worst frame at " + secs(tl.worst_frame.t) + ": " + tl.worst_frame.note, tl.worst_frame.t);
  });
  const yA = top + ROWS.length * RH + 12;
  const step = dur > 40 ? 10 : dur > 16 ? 5 : dur > 6 ? 2 : dur > 2.5 ? 1 : 0.5;
  for (let t = 0; t <= dur + 1e-6; t += step) svg.push('<text x="' + X(t).toFixed(1) + '" y="' + yA + '" font-size="10" fill="#59636e" text-anchor="middle">' + (+t.toFixed(1)) + "</text>");
  svg.push('<line id="playhead" x1="' + L + '" x2="' + L + '" y1="' + top + '" y2="' + (top + ROWS.length * RH) + '" stroke="#0969da" stroke-width="2"/>');
  box.innerHTML = '<svg viewBox="0 0 ' + W + " " + H + '" width="' + W + '" height="' + H + '" role="img" aria-label="Timeline of ' +
    num(dur) + ' s: hook, cuts, speech, on-screen text, faces, silence, still stretches and the worst frame">' + svg.join("") + "</svg>";
  return {X, L, W, R, dur};
}

let redrawTimeline = null, resizeTimer = null;
window.addEventListener("resize", () => { clearTimeout(resizeTimer); resizeTimer = setTimeout(() => redrawTimeline && redrawTimeline(), 150); });

function seek(t) {
  const v = $("video");
  if (!v) return;
  const go = () => { v.currentTime = Math.max(0, Math.min(Number(t), (v.duration || Number(t)) - 0.01)); };
  if (v.readyState >= 1) go(); else v.addEventListener("loadedmetadata", go, {once: true});
  const r = v.getBoundingClientRect();
  if (r.bottom < 0 || r.top > window.innerHeight) v.scrollIntoView({block: "center", behavior: "smooth"});
}

function wireResult(e) {
  const v = $("video"), box = $("timeline");
  if (box && e.timeline) {
    let geo = drawTimeline(e.timeline, box);
    const moveHead = () => {
      const ph = box.querySelector("#playhead");
      if (!ph || !v) return;
      const x = geo.X(v.currentTime || 0);
      ph.setAttribute("x1", x); ph.setAttribute("x2", x);
      box.setAttribute("aria-valuenow", num(v.currentTime || 0));
      box.setAttribute("aria-valuetext", secs(v.currentTime || 0));
    };
    box.addEventListener("click", (ev) => {
      const svg = box.querySelector("svg"), rect = svg.getBoundingClientRect();
      const x = (ev.clientX - rect.left) * (geo.W / rect.width);
      const t = ev.target.dataset && ev.target.dataset.t !== undefined && ev.target.tagName === "rect" ? Number(ev.target.dataset.t)
        : (x - geo.L) / (geo.W - geo.L - geo.R) * geo.dur;
      seek(Math.max(0, Math.min(geo.dur, t)));
    });
    box.addEventListener("keydown", (ev) => {
      if (!v) return;
      const d = {ArrowRight: 0.5, ArrowUp: 0.5, ArrowLeft: -0.5, ArrowDown: -0.5, PageUp: 3, PageDown: -3}[ev.key];
      if (ev.key === "Home") { seek(0); ev.preventDefault(); }
      else if (ev.key === "End") { seek(geo.dur); ev.preventDefault(); }
      else if (d !== undefined) { seek((v.currentTime || 0) + d); ev.preventDefault(); }
    });
    if (v) { v.addEventListener("timeupdate", moveHead); v.addEventListener("seeked", moveHead); }
    redrawTimeline = () => { if (document.body.contains(box)) { geo = drawTimeline(e.timeline, box); moveHead(); } };
  }
  for (const b of $("result").querySelectorAll("[data-seek]")) b.addEventListener("click", () => seek(b.dataset.seek));
  wireDrafts(e);
}

function numbersBlock(r) {
  const eng = r.engagement;
  if (!eng) return "";
  const kinds = ["views", "likes", "comments", "shares", "saves"];
  const out = r.outlook || null;
  const all = kinds.flatMap((k) => [eng[k]?.p10, eng[k]?.p90, out?.[k]?.p50]).filter((x) => x > 0);
  const lo = Math.log10(Math.max(1, Math.min(...all))), hi = Math.log10(Math.max(...all) + 1);
  const pos = (x) => Math.min(100, Math.max(0, 100 * (Math.log10(Math.max(1, x)) - lo) / Math.max(hi - lo, 1e-6))).toFixed(1);
  let h = '<section class="card numbers" aria-labelledby="num-h"><h2 id="num-h">Predicted numbers</h2>' +
    '<table class="stack" id="numbers"><thead><tr><th>this post</th><th class="num">likely</th><th class="num">80 % range</th>' +
    (out ? '<th class="num">typical post of yours</th>' : "") + '<th class="wide">range (log scale)</th></tr></thead><tbody>';
  for (const k of kinds) {
    const iv = eng[k];
    if (!iv) continue;
    h += "<tr><th scope=row>" + k + '</th><td class="num"><b>' + count(iv.p50) + '</b></td><td class="num">' + count(iv.p10) + " – " + count(iv.p90) + "</td>" +
      (out ? '<td class="num">' + (out[k] ? count(out[k].p50) : "") + "</td>" : "") +
      '<td class="wide"><div class="bar" aria-hidden="true"><span style="left:' + pos(iv.p10) + "%;width:" + (pos(iv.p90) - pos(iv.p10)).toFixed(1) +
      '%"></span><b style="left:' + pos(iv.p50) + '%"></b></div></td></tr>';
  }
  h += "</tbody></table>";
  const notes = [...(eng.notes || [])];
  if (eng.typical_views) notes.unshift("A typical post of an account this size gets about " + count(eng.typical_views) + " views.");
  if (out && out.calibration) notes.push(out.calibration);
  if (out && out.notes) notes.push(...out.notes);
  if (notes.length) h += '<ul class="small muted">' + notes.map((n) => "<li>" + esc(n) + "</li>").join("") + "</ul>";
  return h + "</section>";
}

function seekTimes(s) {
  // evidence times of a suggestion: its own evidence when the result has it, else its target ("0.0-3.0 s")
  const ev = (s.evidence || []).filter((x) => x.t !== null && x.t !== undefined);
  if (ev.length) return ev;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(?:-|–)\s*(\d+(?:\.\d+)?)\s*s\s*$/.exec(s.target || "");
  return m ? [{t: Number(m[1]), t_end: Number(m[2]), note: ""}] : [];
}
function chip(x) {
  const lab = secs(x.t) + (x.t_end !== null && x.t_end !== undefined && x.t_end > x.t ? "–" + secs(x.t_end) : "") +
    (x.note ? " · " + String(x.note).slice(0, 40) : "");
  return '<button type="button" class="seek" data-seek="' + x.t + '" aria-label="Play from ' + secs(x.t) + '">▶ ' + esc(lab) + "</button>";
}

function suggestionsBlock(r) {
  const sug = [...(r.suggestions || [])].sort((a, b) => (b.expected_gain ?? -1e9) - (a.expected_gain ?? -1e9) || a.priority - b.priority);
  if (!sug.length) return "";
  return '<section class="card" aria-labelledby="sug-h"><h2 id="sug-h">What to change, by predicted gain</h2><ol class="suggestions" id="suggestions">' +
    sug.slice(0, 12).map((s) => "<li>" + (s.expected_gain !== null && s.expected_gain !== undefined ?
      '<span class="gain" title="predicted change of the score">' + signed(s.expected_gain) + "</span> " : "") + esc(s.message) +
      ' <span class="badge">' + esc(s.component) + "</span>" + (seekTimes(s).length ? "<br>" + seekTimes(s).slice(0, 4).map(chip).join("") : "") + "</li>").join("") +
    "</ol></section>";
}

function contribBlock(r) {
  const comps = (r.components || []).filter((c) => c.contribution !== null && c.contribution !== undefined)
    .sort((a, b) => b.contribution - a.contribution);
  if (!comps.length) return "";
  const mx = Math.max(...comps.map((c) => Math.abs(c.contribution)), 0.5);
  let h = '<section class="card" aria-labelledby="con-h"><h2 id="con-h">What moves the score</h2>';
  if (r.score_baseline !== null && r.score_baseline !== undefined)
    h += '<p class="small muted">From ' + num(r.score_baseline) + " (every factor at its neutral value), each factor adds or takes points:</p>";
  h += '<ul class="contrib" id="contrib">' + comps.map((c) => {
    const w = (50 * Math.abs(c.contribution) / mx).toFixed(1), left = c.contribution >= 0 ? 50 : 50 - w;
    return "<li><span>" + esc(c.name) + '</span><span class="track" aria-hidden="true"><span style="left:' + left + "%;width:" + w +
      "%;background:" + (c.contribution >= 0 ? "var(--good)" : "var(--bad)") + '"></span></span><span class="v ' + cls(c.contribution) + '">' +
      signed(c.contribution) + "</span></li>";
  }).join("") + "</ul>";
  return h + "</section>";
}

function sourceBadge(c) {
  if (c.effect_source) return ' <span class="badge ' + esc(c.effect_source) + '" title="where its points come from">' + esc(c.effect_source) + "</span>";
  return c.heuristic ? ' <span class="badge" title="a heuristic, not a trained model">heuristic</span>' : ' <span class="badge learned">trained</span>';
}

function factorsBlock(r) {
  const comps = r.components || [];
  let h = '<section class="card" aria-labelledby="fac-h"><h2 id="fac-h">Every factor</h2>' +
    '<table class="stack factors" id="components"><thead><tr><th>factor</th><th class="num">sub-score</th><th class="num">points</th><th class="wide">why, and where</th></tr></thead><tbody>';
  for (const c of comps) {
    const sub = c.score === null || c.score === undefined ? "n/a" : num(c.score, 0) +
      (c.neutral !== null && c.neutral !== undefined ? ' <span class="muted small">(neutral ' + num(c.neutral, 0) + ")</span>" : "");
    const ev = (c.evidence || []).filter((x) => x.t !== null && x.t !== undefined).slice(0, 6);
    h += '<tr data-factor="' + esc(c.name) + '"><th scope="row">' + esc(c.name) + sourceBadge(c) + '</th><td class="num">' + sub +
      '</td><td class="num ' + cls(c.contribution) + '">' + signed(c.contribution) + '</td><td class="wide">' + esc(c.explanation) +
      (ev.length ? "<br>" + ev.map(chip).join("") : "") + "</td></tr>";
  }
  return h + "</tbody></table></section>";
}

function framesBlock(e) {
  if (!e.frames.length && !e.cover) return "";
  let h = '<section class="card" aria-labelledby="fr-h"><h2 id="fr-h">Frames</h2><div class="frames" id="frames">' +
    e.frames.map((f) => '<button type="button" data-seek="' + f.t + '" class="' + (f.cover ? "cover" : "") + '" aria-label="Play from ' + secs(f.t) + (f.cover ? " (suggested cover)" : "") +
      '"><img src="' + esc(f.url) + '" alt="Frame at ' + secs(f.t) + '"><span>' + secs(f.t) + "</span></button>").join("") + "</div>";
  if (e.cover) h += '<h3>Suggested cover (' + secs(e.cover.t) + ')</h3><img class="cover-big" id="cover" src="' + esc(e.cover.url) + '" alt="Suggested cover frame at ' + secs(e.cover.t) + '">';
  return h + "</section>";
}

function moreBlock(e) {
  const r = e.result;
  let h = '<section class="card" aria-labelledby="more-h"><h2 id="more-h">Download and details</h2><div class="actions">' +
    '<a href="' + esc(e.report_url) + '" download="reelscore-report.html">Download the report (HTML)</a>' +
    '<button type="button" class="link" id="dl-json">Download the result (JSON)</button></div>';
  if ((r.notes || []).length) h += '<ul class="small muted">' + r.notes.map((n) => "<li>" + esc(n) + "</li>").join("") + "</ul>";
  return h + "</section>";
}

// ---------- caption drafts for this video, scored as you type
function captionsBlock(e) {
  if (!e.media || !e.media.url) return "";
  return '<section class="card" aria-labelledby="cap-h"><h2 id="cap-h">Try other captions</h2>' +
    '<p class="small muted">Each draft is scored with this video as you type (no re-analysis of the video). Save one to keep it in the history.</p>' +
    '<div class="drafts" id="drafts"></div><div class="actions"><button type="button" id="add-draft">Add a draft</button></div></section>';
}
function wireDrafts(e) {
  const box = $("drafts");
  if (!box) return;
  const results = [];
  let noise = 0;
  const paint = () => {
    const scored = results.map((x, i) => [x ? x.score : -1, i]).filter((x) => x[0] >= 0).sort((a, b) => b[0] - a[0]);
    // (a draft without text has no result)
    box.querySelectorAll(".draft").forEach((d, i) => {
      const best = scored.length > 1 && scored[0][1] === i;
      const tie = best && scored[0][0] - scored[1][0] <= noise;
      d.classList.toggle("best", best && !tie);
      const tag = d.querySelector(".tag");
      tag.textContent = best ? (tie ? "about even with the next (within noise)" : "best so far") : "";
    });
  };
  const add = (text) => {
    const i = box.children.length;
    if (i >= 6) return;
    const d = document.createElement("div");
    d.className = "draft";
    d.innerHTML = '<label for="draft-' + i + '">Draft ' + (i + 1) + '</label><textarea id="draft-' + i + '" rows="3"></textarea>' +
      '<div class="out" aria-live="polite"><p class="muted small">Type a caption.</p></div><p class="tag small"></p>' +
      '<div class="actions"><button type="button" class="save" disabled>Save as a new entry</button></div>';
    box.appendChild(d);
    const ta = d.querySelector("textarea"), out = d.querySelector(".out"), save = d.querySelector(".save");
    ta.value = text || "";
    let timer = null, seq = 0;
    const score = async () => {
      const my = ++seq;
      if (!ta.value.trim()) { results[i] = null; out.innerHTML = '<p class="muted small">Type a caption.</p>'; paint(); return; }
      out.innerHTML = '<p class="muted small">Scoring…</p>';
      try {
        const res = await postJSON("/api/v1/history/" + e.id + "/captions", {captions: [ta.value]});
        if (my !== seq) return;
        const x = res.drafts[0];
        noise = res.noise_points;
        results[i] = x;
        const delta = x.score - e.result.score;
        out.innerHTML = '<p><span class="dscore">' + num(x.score, 0) + '</span>/100 <span class="' + cls(delta) + '">(' + signed(delta) + " vs the analysis)</span></p>" +
          "<p>" + esc(x.band) + "</p>" + (x.caption_points !== null ? '<p>Caption: <span class="' + cls(x.caption_points) + '">' + signed(x.caption_points) +
          "</span> points · " + esc(x.explanation) + "</p>" : "") +
          (x.post_effect && x.post_effect.multiplier ? "<p>×" + num(x.post_effect.multiplier.p50, 2) + " your typical post</p>" : "") +
          (x.views ? "<p>Views: " + count(x.views.p50) + ' <span class="muted">(' + count(x.views.p10) + " – " + count(x.views.p90) + ")</span></p>" : "") +
          (x.suggestions.length ? '<p class="muted">' + esc(x.suggestions[0].message) + "</p>" : "");
        save.disabled = false;
        paint();
      } catch (err) { if (my === seq) out.innerHTML = '<p class="error">' + esc(err.message) + "</p>"; }
    };
    ta.addEventListener("input", () => {
      clearTimeout(timer);
      save.disabled = true;
      out.style.opacity = ".5";  // stale until the new score arrives
      timer = setTimeout(() => { out.style.opacity = ""; score(); }, 500);
    });
    save.addEventListener("click", async () => {
      save.disabled = true;
      try {
        const acc = await postJSON("/api/v1/history/" + e.id + "/rescore", {caption: ta.value || null});
        const j = await runJob(acc, $("job"));
        if (j.status === "done") await openEntry(j.history_id);
      } catch (err) { showError($("job"), err); }
    });
    score();
  };
  add(e.caption || "");
  add("");
  $("add-draft").addEventListener("click", () => { add(""); box.lastChild.querySelector("textarea").focus(); if (box.children.length >= 6) $("add-draft").disabled = true; });
  $("dl-json").addEventListener("click", () => {
    const a = document.createElement("a");
    a.href = URL.createObjectURL(new Blob([JSON.stringify(e.result, null, 1)], {type: "application/json"}));
    a.download = "reelscore-result.json";
    a.click();
  });
}

// ---------- compare drafts
$("compare-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const fs = $("cfiles").files;
  if (fs.length < 2 || fs.length > 10) return showError($("cjob"), "Choose 2 to 10 drafts.");
  const f = new FormData();
  for (const x of fs) f.append("files", x);
  if ($("ccaption").value) f.append("caption", $("ccaption").value);
  if ($("cfollowers").value) f.append("followers", $("cfollowers").value);
  $("compare").disabled = true;
  try {
    const acc = await api("/api/v1/compare", {method: "POST", body: f});
    const j = await runJob(acc, $("cjob"));
    if (j.status === "done") renderCompare(j.compare);
  } catch (e) { showError($("cjob"), e); } finally { $("compare").disabled = false; }
});

function renderCompare(c) {
  const names = c.variants.map((v) => v.name);
  let h = '<p class="verdict' + (c.verdict.tie ? " tie" : "") + '" id="verdict" tabindex="-1">' + esc(c.verdict.reason) + "</p>";
  h += '<div class="variants" id="variants">' + c.variants.map((v, i) => {
    const pe = v.post_effect && v.post_effect.multiplier;
    return '<div class="variant' + (i === 0 && !c.verdict.tie ? " first" : "") + '"><h3>' + v.rank + ". " + esc(v.name) + '</h3><div class="vs">' + num(v.score, 1) + "</div>" +
      (pe ? "<p>×" + num(pe.p50, 2) + ' your typical post <span class="muted">(' + num(pe.p10, 2) + "–" + num(pe.p90, 2) + ")</span></p>" : "") +
      (v.views ? "<p>Views " + count(v.views.p50) + ' <span class="muted">(' + count(v.views.p10) + " – " + count(v.views.p90) + ")</span></p>" : "") +
      (v.history_id ? '<p><button type="button" class="link" data-open="' + esc(v.history_id) + '">Open its analysis</button></p>' : "") + "</div>";
  }).join("") + "</div>";
  h += '<div class="card"><h2>Points per factor</h2><p class="small muted">★ = the largest differences; bold green = the most points for that factor. ' +
    "Two scores of the same video (re-encoded) differ by up to " + num(c.verdict.noise_points) + " points.</p>" +
    '<div class="table-wrap"><table id="compare-table"><thead><tr><th>factor</th>' + c.variants.map((v) => '<th class="num vname" title="' + esc(v.name) + '">' +
      v.rank + ". " + esc(v.name.length > 18 ? v.name.slice(0, 17) + "…" : v.name) + "</th>").join("") +
    "</tr></thead><tbody>" + c.factors.map((r) => '<tr class="' + (r.marked ? "marked" : "") + '"><th scope="row">' + esc(r.factor) + "</th>" +
      names.map((n) => '<td class="num ' + (r.best.includes(n) ? "best" : "") + '">' + (r.points[n] === null || r.points[n] === undefined ? "n/a" : signed(r.points[n])) + "</td>").join("") + "</tr>").join("") +
    '</tbody><tfoot><tr><th scope="row">score</th>' + c.variants.map((v) => '<td class="num"><b>' + num(v.score) + "</b></td>").join("") + "</tr></tfoot></table></div></div>";
  showTab("compare");
  $("compare-result").innerHTML = h;
  for (const b of $("compare-result").querySelectorAll("[data-open]")) b.addEventListener("click", () => openEntry(b.dataset.open));
  $("verdict").focus();
}

// ---------- history: chart, list, open, delete, compare selected
async function loadHistory() {
  let rows;
  try { rows = await api("/api/v1/history"); } catch (e) { return; }
  const t = $("history");
  t.className = "history";
  t.innerHTML = '<thead><tr><th>compare</th><th>analysis</th><th class="num">score</th><th>actions</th></tr></thead><tbody>' +
    rows.map((e) => '<tr id="h-' + esc(e.id) + '"><td class="pick-cell"><input type="checkbox" class="pick" id="pick-' + esc(e.id) + '" value="' + esc(e.id) +
      '" aria-label="Select ' + esc(e.filename) + ' for comparing"></td><td class="what"><b>' + esc(e.filename) + "</b>" +
      (e.caption ? '<div class="cap small">“' + esc(e.caption.slice(0, 90)) + "”</div>" : "") +
      '<div class="small muted">' + new Date(e.created * 1000).toLocaleString() + '</div></td><td class="num hscore"><b>' + num(e.score, 0) + "</b></td>" +
      '<td class="acts"><button type="button" class="link open" data-id="' + esc(e.id) + '" aria-label="Open ' + esc(e.filename) + '">Open</button> ' +
      '<button type="button" class="link del" data-id="' + esc(e.id) + '" aria-label="Delete ' + esc(e.filename) + '">Delete</button></td></tr>').join("") + "</tbody>";
  for (const b of t.querySelectorAll(".open")) b.addEventListener("click", () => openEntry(b.dataset.id));
  for (const b of t.querySelectorAll(".del")) b.addEventListener("click", async () => {
    if (!confirm("Delete this analysis and its stored video?")) return;
    await api("/api/v1/history/" + b.dataset.id, {method: "DELETE"});
    if (current && current.id === b.dataset.id) { $("result").innerHTML = ""; current = null; history.replaceState(null, "", "#"); }
    loadHistory();
  });
  const picks = () => [...t.querySelectorAll(".pick:checked")].map((x) => x.value);
  for (const c of t.querySelectorAll(".pick")) c.addEventListener("change", () => { $("compare-selected").disabled = picks().length < 2 || picks().length > 10; });
  $("compare-selected").disabled = true;
  $("compare-selected").onclick = async () => {
    try { renderCompare(await postJSON("/api/v1/compare/history", {ids: picks()})); } catch (e) { showError($("cjob"), e); showTab("compare"); }
  };
  drawChart(rows);
}

function drawChart(rows) {
  const pts = rows.filter((r) => r.score !== null).sort((a, b) => a.created - b.created);
  const box = $("chart");
  if (pts.length < 1) { box.innerHTML = '<p class="muted">No analyses yet.</p>'; return; }
  const W = Math.max(280, box.clientWidth || 600), H = 170, L = 30, R = 10, T = 8, B = 22;
  // one step per analysis, oldest left (times bunch up: several analyses in a minute, then days apart)
  const t0 = pts[0].created, t1 = pts[pts.length - 1].created;
  const X = (i) => pts.length === 1 ? (L + W - R) / 2 : L + 6 + (W - L - R - 12) * i / (pts.length - 1);
  const Y = (s) => T + (H - T - B) * (1 - s / 100);
  let s = "";
  for (const g of [0, 50, 100]) s += '<line x1="' + L + '" x2="' + (W - R) + '" y1="' + Y(g) + '" y2="' + Y(g) + '" stroke="#eaeef2"/><text x="' + (L - 4) + '" y="' + (Y(g) + 4) + '" font-size="10" text-anchor="end" fill="#59636e">' + g + "</text>";
  s += '<polyline fill="none" stroke="#0969da" stroke-width="1.5" points="' + pts.map((p, i) => X(i).toFixed(1) + "," + Y(p.score).toFixed(1)).join(" ") + '"/>';
  s += pts.map((p, i) => '<a href="#" data-id="' + esc(p.id) + '" aria-label="' + esc(p.filename) + ", score " + num(p.score, 0) + '"><circle cx="' + X(i).toFixed(1) + '" cy="' + Y(p.score).toFixed(1) +
    '" r="4.5" fill="#0969da"><title>' + esc(p.filename) + ": " + num(p.score, 0) + " (" + new Date(p.created * 1000).toLocaleString() + ")</title></circle></a>").join("");
  const d0 = new Date(t0 * 1000).toLocaleDateString(), d1 = new Date(t1 * 1000).toLocaleDateString();
  s += '<text x="' + L + '" y="' + (H - 6) + '" font-size="10" fill="#59636e">' + d0 + '</text><text x="' + (W - R) + '" y="' + (H - 6) + '" font-size="10" text-anchor="end" fill="#59636e">' + (d1 !== d0 ? d1 : "") + "</text>";
  box.innerHTML = '<svg viewBox="0 0 ' + W + " " + H + '" role="group" aria-label="Scores of your analyses over time">' + s + "</svg>";
  for (const a of box.querySelectorAll("a")) a.addEventListener("click", (ev) => { ev.preventDefault(); openEntry(a.dataset.id); });
}

// ---------- start
(async () => {
  try {
    const h = await api("/api/v1/health");
    if (h.platforms && h.platforms.length) {
      $("platform").innerHTML = h.platforms.map((p) => '<option value="' + esc(p.name) + '">' + esc(p.label) + "</option>").join("");
      $("platform-field").hidden = false;
    }
  } catch (e) { /* the token form shows itself on 401 */ }
  loadHistory();
  const m = /^#entry=([0-9a-f]+)$/.exec(location.hash);
  if (m) openEntry(m[1]);
})();
