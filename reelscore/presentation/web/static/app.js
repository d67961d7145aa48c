// reelscore web app: plain JavaScript, no external resources. Renders the API's JSON (see /docs).
// Fields added by newer versions of the result (post_effect, outlook, neutral, effect_source,
// suggestion evidence, platform) are shown when present and skipped when absent.
"use strict";

const $ = (id) => document.getElementById(id);
const esc = (s) => String(s ?? "").replace(/[&<>"']/g, (c) => ({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c]));
const num = (x, d = 1) => (x === null || x === undefined || Number.isNaN(x)) ? "" : (Math.abs(x) < 0.5 * 10 ** -d ? 0 : Number(x)).toFixed(d);
const signed = (x, d = 1) => (x === null || x === undefined) ? "n/a" : Math.abs(x) < 0.5 * 10 ** -d ? (0).toFixed(d) :
  (x >= 0 ? "+" : "−") + Math.abs(x).toFixed(d);
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
  if ($("platform") && $("platform").value) f.append("platform", $("platform").value);
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
  $("result").innerHTML = '<div class="layout">' + scoreBlock(e) + mediaBlock(e) + numbersBlock(e) + suggestionsBlock(r) +
    checksBlock(r) + fixBlock(e) + contribBlock(r) + factorsBlock(r) + platformBlock(e) + framesBlock(e) + captionsBlock(e) +
    moreBlock(e) + "</div>";
  wireResult(e);
}

const PLATFORM_LABEL = {reels: "Instagram Reels", tiktok: "TikTok", shorts: "YouTube Shorts"};
const platformLabel = (name) => PLATFORM_LABEL[name] || name;

function scoreBlock(e) {
  const r = e.result, m = r.media || {};
  let h = '<section class="card" aria-labelledby="score-h"><h2 id="score-h" tabindex="-1">Virality Score</h2>' +
    '<div class="scorecard"><div class="score-big"><span id="score">' + num(r.score, 0) + "</span><small>/100</small></div>" +
    '<div class="band" id="band">' + esc(e.band || "") + "</div></div>";
  // what the number means, in words: it judges the post, not the account
  h += '<p class="meaning" id="score-meaning">It judges <b>this post</b> (the video, its sound, the caption and the length), ' +
    "not your account: the same post gets the same score at any follower count. 50 = a typical post; this one is predicted " +
    "to do better than " + num(r.score, 0) + " % of typical real posts.</p>";
  const pe = r.post_effect;
  if (pe && pe.multiplier) {
    const mm = pe.multiplier;
    h += '<p class="effect" id="post-effect">This post vs your typical post: <b>×' + num(mm.p50, 2) + "</b> the views " +
      '<span class="muted">(80 % range ×' + num(mm.p10, 2) + " – ×" + num(mm.p90, 2) + ")</span></p>";
  }
  if (r.platform) {
    const others = (e.platforms || []).filter((p) => !p.primary).map((p) => p.label);
    h += '<p class="plat-line" id="result-platform">Checked for <b>' + esc(platformLabel(r.platform)) + "</b>" +
      (others.length ? " (also " + esc(others.join(" and ")) + ": see “On each platform”)" : "") + "</p>";
  }
  h += '<details class="def"><summary>Exactly what the score is</summary><p>' + esc(r.score_definition) + "</p></details>";
  const meta = [esc(e.filename)];
  if (m.width) meta.push(m.width + "×" + m.height);
  if (m.kind === "video") meta.push(num(m.duration_s) + " s");
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
  wireFix(e);
}

function numbersBlock(e) {
  const r = e.result, eng = r.engagement;
  if (!eng) return "";
  const kinds = ["views", "likes", "comments", "shares", "saves"];
  const out = r.outlook || null;
  const all = kinds.flatMap((k) => [eng[k]?.p10, eng[k]?.p90, out?.[k]?.p50]).filter((x) => x > 0);
  const lo = Math.log10(Math.max(1, Math.min(...all))), hi = Math.log10(Math.max(...all) + 1);
  const pos = (x) => Math.min(100, Math.max(0, 100 * (Math.log10(Math.max(1, x)) - lo) / Math.max(hi - lo, 1e-6))).toFixed(1);
  let h = '<section class="card numbers" aria-labelledby="num-h"><h2 id="num-h">Predicted numbers</h2>';
  if (out && out.views) {
    const pe = r.post_effect && r.post_effect.multiplier;
    h += '<p id="outlook">Your account’s outlook: a typical post of yours gets about <b>' + count(out.views.p50) + " views</b> " +
      '<span class="muted">(80 %: ' + count(out.views.p10) + " – " + count(out.views.p90) + ")</span>" +
      (pe ? "; this post ×" + num(pe.p50, 2) + " → about <b>" + count(eng.views.p50) + "</b>." : ".") +
      ' <span class="muted small">The account shapes these numbers, not the score.</span></p>';
  }
  h += '<table class="stack" id="numbers"><thead><tr><th>this post</th><th class="num">likely</th><th class="num">80 % range</th>' +
    (out ? '<th class="num">typical post of yours</th>' : "") + '<th class="wide">range (log scale)</th></tr></thead><tbody>';
  for (const k of kinds) {
    const iv = eng[k];
    if (!iv) continue;
    h += "<tr><th scope=row>" + k + '</th><td class="num"><b>' + count(iv.p50) + '</b></td><td class="num">' + count(iv.p10) + " – " + count(iv.p90) + "</td>" +
      (out ? '<td class="num">' + (out[k] ? '<span class="only-narrow muted small">your typical post </span>' + count(out[k].p50) + ' <span class="muted small">(' + count(out[k].p10) + " – " + count(out[k].p90) + ")</span>" : "") + "</td>" : "") +
      '<td class="wide"><div class="bar" aria-hidden="true"><span style="left:' + pos(iv.p10) + "%;width:" + (pos(iv.p90) - pos(iv.p10)).toFixed(1) +
      '%"></span><b style="left:' + pos(iv.p50) + '%"></b></div></td></tr>';
  }
  h += "</tbody></table>";
  // which platform's data the numbers rest on: said plainly, apart from the other notes
  const prim = (e.platforms || []).find((p) => p.primary);
  const calib = prim ? prim.calibration : (eng.notes || []).find((n) => /calibrated/.test(n));
  const notes = (eng.notes || []).filter((n) => n !== calib);
  if (eng.typical_views && !out) notes.unshift("A typical post of an account this size gets about " + count(eng.typical_views) + " views.");
  if (out && out.notes) notes.push(...out.notes);
  if (calib) h += '<p class="calib" id="calibration">' + esc(calib) + "</p>";
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

function checksBlock(r) {
  const cs = r.checks || [];
  if (!cs.length) return "";
  return '<section class="card" aria-labelledby="chk-h"><h2 id="chk-h">Worth a look</h2>' +
    '<p class="small muted">Not established as problems and not scored: things to check yourself.</p><ul class="checks" id="checks">' +
    cs.map((c) => "<li>" + esc(c.message) + ' <span class="badge">' + esc(c.component) + "</span>" +
      (seekTimes(c).length ? "<br>" + seekTimes(c).slice(0, 4).map(chip).join("") : "") + "</li>").join("") + "</ul></section>";
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

// ---------- the platform: its interface drawn over the cover and the frame where something is hidden
function phoneScreen(url, alt, p, aspect, opt = {}) {
  // a 9:16 phone screen: the frame at full width (bars above and below a wider one, a taller one cut),
  // the platform's overlays (grey), the profile grid's crop (dashed) and what they hide (red)
  const fit = aspect && aspect < 9 / 16 - 0.01 ? "cover" : "contain";
  const W = 90, H = 160, f = (x) => (+x).toFixed(2);
  let s = "";
  for (const o of p.overlays) {
    const [x, y, w, h] = o.box, mx = (x + w / 2) * W, my = (y + h / 2) * H;
    const turn = w < 0.5 ? ' transform="rotate(-90 ' + f(mx) + " " + f(my) + ')"' : "";
    s += '<rect x="' + f(x * W) + '" y="' + f(y * H) + '" width="' + f(w * W) + '" height="' + f(h * H) +
      '" fill="#000" fill-opacity=".42" stroke="#fff" stroke-opacity=".7" stroke-width=".3"><title>' + esc(o.name) + "</title></rect>" +
      '<text x="' + f(mx) + '" y="' + f(my) + '" font-size="' + (w > 0.5 ? 4.2 : 3.6) + '" fill="#fff" text-anchor="middle" dominant-baseline="middle"' +
      turn + ">" + esc(o.name) + "</text>";
  }
  if (opt.grid && p.grid_crop) {
    const [x, y, w, h] = p.grid_crop;
    s += '<rect x="' + f(x * W + 0.4) + '" y="' + f(y * H + 0.4) + '" width="' + f(w * W - 0.8) + '" height="' + f(h * H - 0.8) +
      '" fill="none" stroke="#4ac0ff" stroke-width=".9" stroke-dasharray="3 1.6"/>' +
      '<text x="' + f(x * W + 2) + '" y="' + f(y * H + 5) + '" font-size="3.6" fill="#4ac0ff">grid crop</text>';
  }
  if (opt.t !== undefined) {
    for (const it of p.hidden.filter((x) => Math.abs(x.t - opt.t) < 1e-3)) {
      const [x, y, w, h] = it.box;
      s += '<rect class="hid" x="' + f(x * W) + '" y="' + f(y * H) + '" width="' + f(w * W) + '" height="' + f(h * H) +
        '" fill="none" stroke="#ff4d4d" stroke-width="1.1"><title>' + esc(it.kind + (it.text ? " “" + it.text + "”" : "") + " under the " + it.overlay) + "</title></rect>";
    }
  }
  return '<figure class="phone-fig"><div class="phone"><img src="' + esc(url) + '" alt="' + esc(alt) + '" style="object-fit:' + fit + '">' +
    '<svg viewBox="0 0 ' + W + " " + H + '" preserveAspectRatio="none" aria-hidden="true">' + s + "</svg></div>" +
    "<figcaption>" + esc(opt.caption || "") + "</figcaption></figure>";
}

const DURATION_WORDS = {under_recommended: "shorter than recommended",
  over_recommended: "longer than recommended", over_max: "over its limit", under_min: "under its minimum"};

function platformFacts(p, e) {
  const li = [];
  const kinds = {text: "Text", face: "A face"};
  const seen = new Set();
  for (const it of p.hidden) {
    const key = it.kind + "|" + (it.text || "") + "|" + it.overlay;
    if (seen.has(key)) continue;
    seen.add(key);
    const ts = p.hidden.filter((x) => x.kind + "|" + (x.text || "") + "|" + x.overlay === key).map((x) => x.t);
    li.push('<li class="bad">' + esc(kinds[it.kind] || it.kind) + (it.text ? " “" + esc(it.text) + "”" : "") + " under the " + esc(it.overlay) +
      (ts.length > 1 ? " (" + ts.length + " times)" : "") + ": " + esc(it.move) + "<br>" + chip({t: ts[0], note: ""}) + "</li>");
    if (seen.size >= 4) break;
  }
  const sz = ((e.result.signals || {}).safe_zones || {}).values || {};
  if (!p.hidden.length && (sz.text_checked || sz.faces_checked)) li.push("<li>Nothing on screen under its interface.</li>");
  for (const c of p.cover_cut.slice(0, 2))
    li.push('<li class="bad">The profile grid’s crop keeps ' + num(100 * c.inside, 0) + " % of the cover’s " + esc(c.kind) + (c.text ? " “" + esc(c.text) + "”" : "") + ".</li>");
  if (p.duration_advice) li.push("<li>" + esc(p.duration_advice) + "</li>");
  else li.push("<li>Length " + esc(p.duration_case ? DURATION_WORDS[p.duration_case] || p.duration_case : "in its recommended range") + ".</li>");
  for (const c of p.caption) li.push('<li class="bad">' + esc(c) + "</li>");
  li.push("<li>Loudness target " + num(p.loudness_lufs, 0) + " LUFS, true peak " + num(p.true_peak_dbtp, 0) + " dBTP.</li>");
  return '<ul class="facts small">' + li.join("") + "</ul>";
}

const DURATION_SHORT = {under_recommended: "short", over_recommended: "long", over_max: "too long", under_min: "too short"};
const SHORT_LABEL = {reels: "Reels", tiktok: "TikTok", shorts: "Shorts"};

function platformDiffs(ps) {
  // one row per rule, one column per platform (short words: it fits a phone); rows that differ are marked
  const rows = [
    ["Length", (p) => p.duration_case ? DURATION_SHORT[p.duration_case] || p.duration_case : "in range"],
    ["Hidden", (p) => p.hidden.length ? [...new Set(p.hidden.map((x) => x.kind))].join(", ") + " " + secs(p.hidden[0].t) : "nothing"],
    ["Grid crop", (p) => p.grid_crop ? (p.cover_cut.length ? "cuts " + p.cover_cut[0].kind : "fits") : "n/a"],
    ["Caption", (p) => p.caption.length ? p.caption.length + " over" : "fits"],
    ["Loudness", (p) => num(p.loudness_lufs, 0) + " LUFS"],
  ];
  return '<div class="table-wrap"><table id="platform-diffs" class="pdiff"><thead><tr><th>rule</th>' +
    ps.map((p) => '<th title="' + esc(p.label) + '">' + esc(SHORT_LABEL[p.name] || p.label) + "</th>").join("") + "</tr></thead><tbody>" +
    rows.map(([name, f]) => {
      const cells = ps.map(f), differs = new Set(cells).size > 1;
      return '<tr class="' + (differs ? "marked" : "") + '"><th scope="row">' + name + "</th>" + cells.map((c) => "<td>" + esc(c) + "</td>").join("") + "</tr>";
    }).join("") + "</tbody></table></div>";
}

function platformBlock(e) {
  const ps = e.platforms || [];
  if (!ps.length) return "";
  const multi = ps.length > 1, cover = e.cover;
  let h = '<section class="card" aria-labelledby="plat-h" id="platforms"><h2 id="plat-h">' +
    (multi ? "On each platform" : "On " + esc(ps[0].label)) + "</h2>";
  if (multi) h += '<p class="small muted">The same upload checked for each platform (★ = where they differ). ' +
    "The score and its advice follow " + esc(ps[0].label) + ".</p>" + platformDiffs(ps);
  h += '<div class="plats' + (multi ? " multi" : "") + '">';
  for (const p of ps) {
    h += '<div class="plat" data-platform="' + esc(p.name) + '">' + (multi ? "<h3>" + esc(p.label) + (p.primary ? ' <span class="badge">the score’s</span>' : "") + "</h3>" : "") +
      '<div class="screens">';
    if (cover) h += phoneScreen(cover.url, "Suggested cover under the " + p.label + " interface", p, e.screen_aspect,
      {grid: true, caption: "Cover (" + secs(cover.t) + ") with " + p.label + "’s interface; dashed: the profile grid"});
    if (p.hidden_frame) h += phoneScreen(p.hidden_frame.url, "Frame at " + secs(p.hidden_frame.t) + " with what " + p.label + " hides", p,
      e.screen_aspect, {t: p.hidden_frame.t, caption: "At " + secs(p.hidden_frame.t) + ": red = hidden"});
    h += "</div>" + platformFacts(p, e) + "</div>";
  }
  h += "</div>";
  if (!cover) h += '<p class="small muted">No cover frame was picked, so the overlays are not drawn.</p>';
  return h + "</section>";
}

// ---------- a fixed copy of the video (reelscore fix) to download
function fixBlock(e) {
  const md = e.media || {};
  if (md.kind !== "video" || !md.url) return "";
  const plat = e.result.platform || "reels";
  const opts = Object.keys(PLATFORM_LABEL).map((n) => '<option value="' + n + '"' + (n === plat ? " selected" : "") + ">" + PLATFORM_LABEL[n] + "</option>").join("");
  return '<section class="card" id="fix" aria-labelledby="fix-h"><h2 id="fix-h">Fixed version</h2>' +
    '<p class="small muted">The safe, mechanical fixes this analysis found worth points, each only where needed: loudness to the ' +
    "platform’s target, a dead (black or frozen and silent) opening or tail cut, 9:16 framing, the platform’s export settings, and " +
    "the best cover frame. Your upload is not changed; the fixed file is analyzed again.</p>" +
    '<div class="row fixrow"><div class="field"><label for="fix-platform">For</label><select id="fix-platform">' + opts + "</select></div>" +
    '<div class="actions"><button type="button" id="fix-go" class="primary">Download fixed version</button></div></div>' +
    '<div id="fix-job" class="job" role="status" aria-live="polite" hidden></div>' +
    '<div id="fix-result">' + (e.fixes && e.fixes.length ? fixResult(e.fixes[0]) : "") + "</div></section>";
}

function fixResult(fx) {
  const d = fx.score_after !== null && fx.score_after !== undefined ? fx.score_after - fx.score_before : null;
  let h = '<div class="fixres" id="fix-res"><h3>' + esc(platformLabel(fx.platform)) + " version</h3>";
  if (!fx.video_url) {
    h += '<p id="fix-none">Nothing worth fixing for ' + esc(platformLabel(fx.platform)) + ": no file was made.</p>";
  } else {
    h += '<p class="fixscore">Score <b id="fix-before">' + num(fx.score_before, 0) + '</b> → <b id="fix-after">' + num(fx.score_after, 0) + "</b> " +
      '<span class="' + cls(d) + '">(' + signed(d) + ")</span>" +
      (fx.predicted_score_after !== null ? ' <span class="muted small">predicted ' + num(fx.predicted_score_after, 0) + "</span>" : "") + "</p>" +
      '<div class="actions"><a class="btn primary" id="fix-download" href="' + esc(fx.video_url) + '" download="' + esc(fx.output) + '">Download the fixed video (MP4)</a>' +
      (fx.cover_url ? '<a class="btn" id="fix-cover" href="' + esc(fx.cover_url) + '" download="' + esc(fx.cover) + '">Its cover (JPEG)</a>' : "") + "</div>";
    const facts = [];
    if (fx.size_after) facts.push(fx.size_after[0] + "×" + fx.size_after[1]);
    if (fx.fps_after) facts.push(num(fx.fps_after, 0) + " fps");
    if (fx.duration_after_s) facts.push(num(fx.duration_after_s) + " s");
    if (fx.loudness_after_lufs !== null && fx.loudness_after_lufs !== undefined)
      facts.push(num(fx.loudness_after_lufs) + " LUFS" + (fx.true_peak_after_dbtp !== null ? ", true peak " + num(fx.true_peak_after_dbtp) + " dBTP" : ""));
    if (facts.length) h += '<p class="small muted">' + esc(facts.join(" · ")) + "</p>";
  }
  const planned = Object.fromEntries((fx.planned || []).map((p) => [p.name, p]));
  if (fx.applied.length) h += '<h4>Applied</h4><ul id="fix-applied">' + fx.applied.map((n) => {
    const p = planned[n];
    return "<li><b>" + esc(n) + "</b>" + (p ? ": " + esc(p.action) + ' <span class="muted">(' + esc(p.reason) + ")</span>" +
      (p.predicted_gain !== null && p.predicted_gain !== undefined ? ' <span class="gain" title="predicted change of the score from this fix alone">' + signed(p.predicted_gain) + "</span>" : "") : "") + "</li>";
  }).join("") + "</ul>";
  const sk = Object.entries(fx.skipped || {});
  if (!fx.dry_run) for (const p of fx.planned || []) if (!fx.applied.includes(p.name) && !(p.name in (fx.skipped || {})))
    sk.push([p.name, "planned (" + p.reason + "), but no fixed file was made"]);
  if (sk.length) h += '<h4>Not applied</h4><ul id="fix-skipped">' + sk.map(([n, why]) => "<li><b>" + esc(n) + "</b>: " + esc(why) + "</li>").join("") + "</ul>";
  const ch = [...(fx.changed_factors || [])].sort((a, b) => Math.abs((b.points_after ?? 0) - (b.points_before ?? 0)) - Math.abs((a.points_after ?? 0) - (a.points_before ?? 0)));
  if (ch.length) {
    const arrow = (a, b, d = 0) => (a === null || a === undefined ? "n/a" : num(a, d)) + " → " + (b === null || b === undefined ? "n/a" : num(b, d));
    h += '<h4>Factors that changed</h4><table class="stack" id="fix-factors"><thead><tr><th>factor</th><th class="num">sub-score</th><th class="num">points</th><th class="num">change</th></tr></thead><tbody>' +
      ch.map((c) => {
        const dp = (c.points_after ?? 0) - (c.points_before ?? 0);
        return "<tr><th scope=row>" + esc(c.name) + '</th><td class="num">' + arrow(c.score_before, c.score_after) + '</td><td class="num">' +
          arrow(c.points_before, c.points_after, 1) + '</td><td class="num ' + cls(dp) + '">' + signed(dp) + "</td></tr>";
      }).join("") + "</tbody></table>" + '<p class="small muted">A factor’s points can move while its sub-score stays: points are ' +
      "each factor’s share of the score, and the score is a percentile, so the same effect is worth fewer points far from a typical post.</p>";
  }
  if ((fx.notes || []).length) h += '<ul class="small muted">' + fx.notes.map((n) => "<li>" + esc(n) + "</li>").join("") + "</ul>";
  return h + "</div>";
}

function wireFix(e) {
  const go = $("fix-go");
  if (!go) return;
  go.addEventListener("click", async () => {
    go.disabled = true;
    try {
      const acc = await postJSON("/api/v1/history/" + e.id + "/fix", {platform: $("fix-platform").value});
      const j = await runJob(acc, $("fix-job"));
      if (j.status === "done" && j.fix) {
        $("fix-result").innerHTML = fixResult(j.fix);
        const a = $("fix-download");
        if (a) { a.focus(); a.click(); }  // the button said "download": start it
        else $("fix-result").querySelector("h3").setAttribute("tabindex", "-1");
      }
    } catch (err) { showError($("fix-job"), err); } finally { go.disabled = false; }
  });
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
  if ($("cplatform") && $("cplatform").value) f.append("platform", $("cplatform").value);
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
      (pe ? '<p class="veffect">×' + num(pe.p50, 2) + ' the views of your typical post <span class="muted">(80 %: ×' + num(pe.p10, 2) + " – ×" + num(pe.p90, 2) + ")</span></p>" : "") +
      (v.views ? "<p>Views " + count(v.views.p50) + ' <span class="muted">(' + count(v.views.p10) + " – " + count(v.views.p90) + ")</span></p>" : "") +
      (v.history_id ? '<p><button type="button" class="link" data-open="' + esc(v.history_id) + '">Open its analysis</button></p>' : "") + "</div>";
  }).join("") + "</div>";
  h += '<div class="card"><h2>Points per factor</h2><p class="small muted">★ = the largest differences; bold green = the most points for that factor. ' +
    "Scores of the same video re-encoded differ by at most " + num(c.verdict.noise_points) + " points in 95 % of cases; " +
    "drafts closer than that cannot be told apart.</p>" +
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
  try { await api("/api/v1/health"); } catch (e) { /* the token form shows itself on 401 */ }
  loadHistory();
  const m = /^#entry=([0-9a-f]+)$/.exec(location.hash);
  if (m) openEntry(m[1]);
})();
