// har label: frames with skeletons, a timeline per person, segments saved as labels.csv.
"use strict";

const PALETTE = ["#e6194b", "#3cb44b", "#ffe119", "#0082c8", "#f58231", "#911eb4", "#46f0f0",
  "#f032e6"];
const CLASS_COLOURS = ["#1e88e5", "#43a047", "#fb8c00", "#8e24aa", "#00acc1", "#f4511e",
  "#6d4c41", "#c0ca33", "#5e35b1", "#d81b60"];
const S = { info: null, people: [], cur: 0, playing: null, target: "*", segments: [],
  suggestions: [], selected: null, selectedSugg: null, pendingStart: null, dirty: false,
  dt: 1 / 30, token: 0 };
const $ = (id) => document.getElementById(id);

function message(text, kind) {
  const box = $("message");
  box.textContent = text;
  box.className = kind || "";
}

function trackColour(track) { return track < 0 ? "#ccc" : PALETTE[track % PALETTE.length]; }
function classColour(label) {
  const i = S.info.classes.indexOf(label);
  return i < 0 ? "#9e9e9e" : CLASS_COLOURS[i % CLASS_COLOURS.length];
}
function fmt(t) { return (t - S.info.times[0]).toFixed(2); }
function sameTarget(a, b) { return String(a) === String(b); }

async function load() {
  let info;
  try {
    info = await (await fetch("/api/info")).json();
  } catch (err) {
    message("cannot reach the har label server: " + err, "error");
    return;
  }
  $("source").textContent = info.source + " → " + info.labels_path;
  if (info.error) {
    message(info.error, "error");
    return;
  }
  S.info = info;
  S.people = await (await fetch("/api/people")).json();
  const diffs = info.times.slice(1).map((t, i) => t - info.times[i]).sort((a, b) => a - b);
  if (diffs.length) S.dt = Math.max(diffs[Math.floor(diffs.length / 2)], 1e-3);
  S.segments = info.segments.map((s) => ({ ...s }));
  S.suggestions = info.suggestions.map((s) => ({ ...s }));
  $("view").width = info.width;
  $("view").height = info.height;
  $("scrub").max = info.frames - 1;
  $("class").innerHTML = info.classes.map((c, i) =>
    `<option value="${i}">${i < 9 ? i + 1 + ": " : ""}${escapeHtml(c)}</option>`).join("");
  $("target").innerHTML = ["*", ...info.tracks].map((t) =>
    `<option value="${t}">${t === "*" ? "* everyone in view" : "track " + t}</option>`).join("");
  $("app").hidden = false;
  if (info.labels_error) {
    message(info.labels_error, "error");
    $("save").disabled = true;
  } else if (info.warning) {
    message(info.warning, "error");
  } else {
    message(`${info.frames} frames, ${info.tracks.length} tracks, ${S.segments.length} ` +
      "segments loaded");
  }
  if (info.position !== null && info.position !== undefined) seek(nearestFrame(info.position));
  else seek(0);
}

function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;",
    '"': "&quot;", "'": "&#39;" })[c]);
}

function nearestFrame(t) {
  let best = 0;
  S.info.times.forEach((ft, i) => { if (Math.abs(ft - t) < Math.abs(S.info.times[best] - t)) best = i; });
  return best;
}

function seek(frame) {
  if (!S.info) return;
  S.cur = Math.max(0, Math.min(S.info.frames - 1, frame));
  $("scrub").value = S.cur;
  $("time").textContent = `frame ${S.cur + 1}/${S.info.frames} · ${fmt(S.info.times[S.cur])} s`;
  const token = ++S.token;
  const image = new Image();
  image.onload = () => { if (token === S.token) draw(image); };
  image.onerror = () => message(`frame ${S.cur} could not be loaded`, "error");
  image.src = `/frame/${S.cur}.jpg`;
  renderTimeline();
}

function draw(image) {
  const ctx = $("view").getContext("2d");
  ctx.drawImage(image, 0, 0, S.info.width, S.info.height);
  ctx.lineWidth = 3;
  ctx.font = "bold 18px sans-serif";
  for (const [track, kps] of S.people[S.cur] || []) {
    ctx.strokeStyle = ctx.fillStyle = trackColour(track);
    for (const [a, b] of S.info.bones) {
      if (kps[a][2] < 0.3 || kps[b][2] < 0.3) continue;
      ctx.beginPath();
      ctx.moveTo(kps[a][0], kps[a][1]);
      ctx.lineTo(kps[b][0], kps[b][1]);
      ctx.stroke();
    }
    const seen = kps.filter((k) => k[2] >= 0.3);
    if (!seen.length) continue;
    const x = Math.min(...seen.map((k) => k[0]));
    const y = Math.min(...seen.map((k) => k[1]));
    const label = labelAt(track, S.info.times[S.cur]);
    ctx.fillText(`${track}${label ? " " + label : ""}`, x, Math.max(18, y - 8));
  }
}

function labelAt(track, t) {
  const seg = S.segments.find((s) => (s.track === "*" || sameTarget(s.track, track)) &&
    s.start <= t && t < s.end);
  return seg ? seg.label : null;
}

function overlapping() {
  const bad = new Set();
  S.segments.forEach((a, i) => S.segments.forEach((b, j) => {
    if (j <= i) return;
    const who = a.track === "*" || b.track === "*" || sameTarget(a.track, b.track);
    if (who && a.start < b.end && b.start < a.end) { bad.add(i); bad.add(j); }
  }));
  return bad;
}

function presentFrames(row) {
  return S.people.map((people) => people.some(([t]) => row === "*" || sameTarget(t, row)));
}

function runs(flags) {
  const out = [];
  let start = null;
  flags.forEach((on, i) => {
    if (on && start === null) start = i;
    if (!on && start !== null) { out.push([start, i - 1]); start = null; }
  });
  if (start !== null) out.push([start, flags.length - 1]);
  return out;
}

function renderTimeline() {
  const times = S.info.times;
  const t0 = times[0];
  const span = times[times.length - 1] - t0 + S.dt;
  const pct = (t) => `${(100 * (t - t0) / span).toFixed(3)}%`;
  const width = (a, b) => `${(100 * (b - a) / span).toFixed(3)}%`;
  const bad = overlapping();
  const rows = ["*", ...S.info.tracks];
  const html = rows.map((row) => {
    const present = presentFrames(row);
    const parts = runs(present).map(([a, b]) =>
      `<div class="presence" style="left:${pct(times[a])};width:${width(times[a], times[b] + S.dt)}"></div>`);
    if (row !== "*") {
      const gaps = present.map((on, i) => on && labelAt(row, times[i]) === null);
      runs(gaps).forEach(([a, b]) => parts.push(
        `<div class="gap" title="unlabelled" style="left:${pct(times[a])};width:${width(times[a], times[b] + S.dt)}"></div>`));
    }
    S.segments.forEach((s, i) => {
      if (!sameTarget(s.track, row)) return;
      const cls = ["seg", bad.has(i) ? "overlap" : "", S.selected === i ? "selected" : ""].join(" ");
      parts.push(`<div class="${cls}" data-index="${i}" title="${escapeHtml(s.label)}" ` +
        `style="left:${pct(s.start)};width:${width(s.start, s.end)};background:${classColour(s.label)}"></div>`);
    });
    S.suggestions.forEach((s, i) => {
      if (!sameTarget(s.track, row)) return;
      parts.push(`<div class="sugg" data-sugg="${i}" title="suggested: ${escapeHtml(s.label)}" ` +
        `style="left:${pct(s.start)};width:${width(s.start, s.end)}"></div>`);
    });
    const selected = sameTarget(row, S.target) ? " selected" : "";
    return `<div class="row${selected}" data-row="${row}"><span class="name">${row === "*" ? "*" : "track " + row}</span>${parts.join("")}</div>`;
  });
  html.push(`<div id="playhead" style="left:${pct(times[S.cur])}"></div>`);
  $("timeline").innerHTML = html.join("");
  renderTables(bad);
}

function renderTables(bad) {
  const order = S.segments.map((s, i) => i).sort((a, b) => S.segments[a].start - S.segments[b].start);
  const targets = ["*", ...S.info.tracks];
  $("segments").tBodies[0].innerHTML = order.map((i) => {
    const s = S.segments[i];
    const cls = ["segment", bad.has(i) ? "overlap" : "", S.selected === i ? "selected" : ""].join(" ");
    const who = targets.map((t) => `<option value="${t}"${sameTarget(t, s.track) ? " selected" : ""}>${t}</option>`).join("");
    const what = S.info.classes.map((c) => `<option${c === s.label ? " selected" : ""}>${escapeHtml(c)}</option>`).join("");
    return `<tr class="${cls}" data-index="${i}"><td><select class="track-select">${who}</select></td>` +
      `<td><button class="set-start" title="start at the current frame">${fmt(s.start)}</button></td>` +
      `<td><button class="set-end" title="end at the current frame">${fmt(s.end)}</button></td>` +
      `<td><select class="label-select">${what}</select></td><td><button class="del" title="Delete">✕</button></td></tr>`;
  }).join("");
  $("suggestions-title").hidden = !S.suggestions.length;
  $("suggestions").tBodies[0].innerHTML = S.suggestions.map((s, i) =>
    `<tr class="suggestion${S.selectedSugg === i ? " selected" : ""}" data-sugg="${i}"><td>${s.track}</td><td>${fmt(s.start)}</td>` +
    `<td>${fmt(s.end)}</td><td>${escapeHtml(s.label)}</td><td><button class="accept">accept</button>` +
    `<button class="reject">✕</button></td></tr>`).join("");
  $("pending").textContent = S.pendingStart === null ? "" :
    `start marked at ${fmt(S.pendingStart)} s for ${S.target === "*" ? "everyone" : "track " + S.target}: press ] at the end`;
  $("dirty").hidden = !S.dirty;
}

function changed() { S.dirty = true; renderTimeline(); }

function markStart() { S.pendingStart = S.info.times[S.cur]; renderTimeline(); }

function markEnd() {
  if (S.pendingStart === null) { message("press [ (start) first", "error"); return; }
  const now = S.info.times[S.cur];
  const start = Math.min(S.pendingStart, now);
  const end = Math.max(S.pendingStart, now) + S.dt;  // the end frame is inside the segment
  const label = S.info.classes[Number($("class").value)];
  S.segments.push({ track: S.target === "*" ? "*" : Number(S.target), start, end, label });
  S.selected = S.segments.length - 1;
  S.pendingStart = null;
  changed();
}

function acceptSuggestion(i) {
  const s = S.suggestions.splice(i, 1)[0];
  S.segments.push({ ...s });
  S.selected = S.segments.length - 1;
  S.selectedSugg = null;
  changed();
}

async function save() {
  if ($("save").disabled) return;
  const body = { segments: S.segments, position: S.info.times[S.cur] };
  let result;
  try {
    const token = document.querySelector('meta[name="har-token"]').content;
    const response = await fetch("/api/labels", { method: "POST", body: JSON.stringify(body),
      headers: { "Content-Type": "application/json", "X-Har-Token": token } });
    result = await response.json();
  } catch (err) {
    message("not saved: the har label server did not answer (" + err + ")", "error");
    return;
  }
  if (result.ok) {
    S.dirty = false;
    message(`saved ${result.saved} segments to ${result.path}`, "ok");
  } else {
    message("not saved (the file on disk is unchanged):\n" + result.problems.join("\n"), "error");
  }
  renderTimeline();
}

function togglePlay() {
  if (S.playing) {
    clearInterval(S.playing);
    S.playing = null;
  } else {
    S.playing = setInterval(() => {
      if (S.cur >= S.info.frames - 1) { togglePlay(); return; }
      seek(S.cur + 1);
    }, Math.max(1000 * S.dt, 16));
  }
  $("play").textContent = S.playing ? "❚❚ pause" : "▶ play";
}

function setTarget(value) {
  S.target = String(value);
  $("target").value = S.target;
  renderTimeline();
}

document.addEventListener("keydown", (e) => {
  if (!S.info || e.ctrlKey && e.key !== "s" || e.altKey || e.metaKey) return;
  const tag = e.target.tagName;
  if (tag === "SELECT" || tag === "TEXTAREA" || (tag === "INPUT" && e.target.type !== "range")) return;
  const step = e.shiftKey ? 10 : 1;
  const keys = {
    " ": togglePlay, ArrowRight: () => seek(S.cur + step), ArrowLeft: () => seek(S.cur - step),
    Home: () => seek(0), End: () => seek(S.info.frames - 1), "[": markStart, "]": markEnd,
    s: save, a: () => { if (S.selectedSugg !== null) acceptSuggestion(S.selectedSugg); },
    t: () => {
      const all = ["*", ...S.info.tracks].map(String);
      setTarget(all[(all.indexOf(S.target) + 1) % all.length]);
    },
    Delete: deleteSelected, Backspace: deleteSelected,
  };
  if (/^[1-9]$/.test(e.key) && Number(e.key) <= S.info.classes.length) {
    $("class").value = String(Number(e.key) - 1);
  } else if (keys[e.key]) {
    keys[e.key]();
  } else {
    return;
  }
  e.preventDefault();
});

function deleteSelected() {
  if (S.selected === null) return;
  S.segments.splice(S.selected, 1);
  S.selected = null;
  changed();
}

$("play").addEventListener("click", togglePlay);
$("prev").addEventListener("click", () => seek(S.cur - 1));
$("next").addEventListener("click", () => seek(S.cur + 1));
$("mark-start").addEventListener("click", markStart);
$("mark-end").addEventListener("click", markEnd);
$("save").addEventListener("click", save);
$("scrub").addEventListener("input", (e) => { seek(Number(e.target.value)); });
$("scrub").addEventListener("change", (e) => e.target.blur());
$("target").addEventListener("change", (e) => { setTarget(e.target.value); e.target.blur(); });
$("class").addEventListener("change", (e) => e.target.blur());

$("timeline").addEventListener("click", (e) => {
  const seg = e.target.closest("[data-index]");
  const sugg = e.target.closest("[data-sugg]");
  const row = e.target.closest("[data-row]");
  if (seg) { S.selected = Number(seg.dataset.index); seek(nearestFrame(S.segments[S.selected].start)); }
  if (sugg) { S.selectedSugg = Number(sugg.dataset.sugg); }
  if (row) setTarget(row.dataset.row); else renderTimeline();
});

$("segments").addEventListener("click", (e) => {
  const tr = e.target.closest("tr[data-index]");
  if (!tr) return;
  const i = Number(tr.dataset.index);
  const s = S.segments[i];
  const now = S.info.times[S.cur];
  if (e.target.classList.contains("del")) { S.selected = i; deleteSelected(); return; }
  if (e.target.classList.contains("set-start")) { s.start = now; changed(); return; }
  if (e.target.classList.contains("set-end")) { s.end = now + S.dt; changed(); return; }
  if (e.target.tagName !== "SELECT" && S.selected !== i) { S.selected = i; seek(nearestFrame(s.start)); }
});

$("segments").addEventListener("change", (e) => {
  const tr = e.target.closest("tr[data-index]");
  const s = S.segments[Number(tr.dataset.index)];
  if (e.target.classList.contains("label-select")) s.label = e.target.value;
  if (e.target.classList.contains("track-select")) s.track = e.target.value === "*" ? "*" : Number(e.target.value);
  e.target.blur();
  changed();
});

$("suggestions").addEventListener("click", (e) => {
  const tr = e.target.closest("tr[data-sugg]");
  if (!tr) return;
  const i = Number(tr.dataset.sugg);
  if (e.target.classList.contains("accept")) { acceptSuggestion(i); return; }
  if (e.target.classList.contains("reject")) { S.suggestions.splice(i, 1); S.selectedSugg = null; renderTimeline(); return; }
  S.selectedSugg = i;
  seek(nearestFrame(S.suggestions[i].start));
});

window.addEventListener("beforeunload", (e) => { if (S.dirty) { e.preventDefault(); e.returnValue = ""; } });

load();
