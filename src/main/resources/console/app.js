// endowatch console: live overview, procedure view with heatmap overlay, score timeline, alerts.
// Pushed updates come over Server-Sent Events; the page only ever shows the newest frame (a frame
// load in flight is never queued behind), and pulls timeline points and rejection marks it missed.
'use strict';
// The token the page was opened with (?token=T) goes into a cookie for this page's path, which its
// requests then carry, and out of the address: otherwise every request's address held it (each
// frame, each heatmap), in a proxy's access log, and the page's address in the browser's history.
// One cookie per port: cookies belong to the host whatever its port, and two consoles on one
// machine would otherwise replace each other's.
const given = new URLSearchParams(location.search).get('token');
const tokenCookie = 'endowatch_token_' + (location.port || location.protocol.replace(':', ''));
if (given !== null) {
  document.cookie = tokenCookie + '=' + encodeURIComponent(given) + '; path=' + location.pathname.replace(/[^/]*$/, '')
    + '; SameSite=Strict' + (location.protocol === 'https:' ? '; Secure' : '');
  history.replaceState(null, '', location.pathname + location.hash);
}
const tokenGiven = given !== null || document.cookie.split(';').some(c => c.trim().startsWith(tokenCookie + '='));
// Every path the page asks for is relative to the page ('api/...', never '/api/...'): a unit's
// reverse proxy may serve the console under a prefix of its own (https://host/endowatch/).
const $ = s => document.querySelector(s);
const procs = new Map();           // id -> latest summary
let sel = null;                    // selected procedure view state

// Largest and smallest of an array of numbers; no spread into Math.max, which runs out of stack
// for the timeline of a long procedure (V8 in node 20: 108,000 arguments pass, 200,000 do not; a
// procedure at 60 fps has 216,000 points in an hour).
function most(a, init) { let m = init; for (const v of a) if (v > m) m = v; return m; }
function least(a, init) { let m = init; for (const v of a) if (v < m) m = v; return m; }

function fmt(v, d) { return v === null || v === undefined ? '–' : Number(v).toFixed(d); }

// A new alert: counted on the page (data-cues), a short tone when the user asked for one (browsers
// allow sound only after a click, which the checkbox is), and the tab's title while any is open.
let audio = null;
function cue(id) {
  document.body.dataset.cues = String(Number(document.body.dataset.cues) + 1);
  document.body.dataset.lastCue = id;
  if (!$('#sound').checked) return;
  try {
    audio = audio || new AudioContext();
    [0, 0.25].forEach(at => {
      const osc = audio.createOscillator();
      const gain = audio.createGain();
      osc.frequency.value = 880;
      gain.gain.value = 0.2;
      osc.connect(gain).connect(audio.destination);
      osc.start(audio.currentTime + at);
      osc.stop(audio.currentTime + at + 0.15);
    });
  } catch (e) {
    // No sound here (no audio device, an old browser): the page and its alert list go on.
    console.warn('endowatch: no alert tone:', e);
  }
}
// The tone asked for on an earlier visit is remembered, but a browser lets a page sound only once
// the person has clicked or typed on it: a page opened again (a wall display reloaded each morning)
// stayed silent at every alert with the box ticked. So it says so until then, and the first click or
// key anywhere readies the sound.
function readyTone() {
  if (!$('#sound').checked) return;
  try {
    audio = audio || new AudioContext();
    if (audio.state === 'suspended') audio.resume();
  } catch (e) {
    console.warn('endowatch: no alert tone:', e);
  }
}
function toneHint() {
  const waiting = $('#sound').checked && navigator.userActivation !== undefined && !navigator.userActivation.hasBeenActive;
  $('#tonehint').hidden = !waiting;
}
$('#sound').checked = localStorage.getItem('endowatch.sound') === 'on';
$('#sound').onchange = () => { localStorage.setItem('endowatch.sound', $('#sound').checked ? 'on' : 'off'); readyTone(); toneHint(); };
['pointerdown', 'keydown'].forEach(t => document.addEventListener(t, () => { readyTone(); toneHint(); }, { capture: true }));
toneHint();

function clock(ms) { return new Date(ms).toLocaleTimeString(); }

// Whether what the page shows is current (the console's view of Kafka, not the page's of the
// console, which the header says): silence from a lost broker must not read as quiet tissue.
let source = { status: 'OK' };
function renderSource() {
  const s = source, b = $('#source');
  const text = {
    UNREACHABLE: () => 'NOT UPDATING since ' + clock(s.sinceMs) + ': the console cannot reach Kafka. What is shown is from then; live procedures go on unseen.',
    FEED_ERROR: () => 'NOT UPDATING since ' + clock(s.sinceMs) + ': reading the topics fails (' + s.message + ').',
    PARTITIONS_OFFLINE: () => 'Partitions offline since ' + clock(s.sinceMs) + ': ' + s.offline.join(', ') + '. Procedures on them do not update.',
    CATCHING_UP: () => 'Kafka answers again (silent since ' + clock(s.sinceMs) + '); reading what it took in meanwhile: ' + s.behind + ' records to go.',
    LOADING: () => 'Reading the topics\' history: ' + s.behind + ' records to go.',
  }[s.status];
  b.dataset.status = s.status;
  b.textContent = text ? text() : '';
  b.hidden = !text;
  b.className = s.status === 'LOADING' ? 'info' : 'warn';
  renderOverview();
}

// The overview: live procedures first, by name, then the others, the most recent first. A row keeps
// its place and its elements while it updates (a live one, many times a second): a click is a button
// going down and up on one element, and on rows rebuilt and re-sorted by their newest frame at every
// push a held click on a live procedure came to nothing. Drawn at most every OVERVIEW_MS, however
// many summaries a push brings (eight rooms at 30 fps pushed 240 a second, each redrawing every row).
const OVERVIEW_MS = 50;
const overviewRows = new Map();   // id -> { tr, s, selected }: the row and what it shows
let overviewTimer = null;
function renderOverview() {
  if (overviewTimer === null) overviewTimer = setTimeout(() => { overviewTimer = null; drawOverview(); }, OVERVIEW_MS);
}

// A row or alert item reached with Tab opens with Enter or Space, as a click would (a wall display's
// keyboard, or whoever does not use a mouse).
function byKeyboard(el) {
  el.tabIndex = 0;
  el.onkeydown = e => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); el.onclick(); } };
}

function overviewOrder(a, b) {
  if (a.live !== b.live) return a.live ? -1 : 1;
  if (a.live) return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
  return b.lastCaptureMs - a.lastCaptureMs;
}

function drawOverview() {
  const body = $('#procedures tbody');
  const list = [...procs.values()].sort(overviewOrder);
  const alerting = list.filter(s => s.alerting).length;
  const frozen = source.status === 'UNREACHABLE' || source.status === 'FEED_ERROR';
  document.title = (frozen ? '⚠ NOT UPDATING — ' : '') + (alerting ? '● ALERT (' + alerting + ') — ' : '') + 'endowatch console';
  $('#empty').hidden = list.length > 0;
  for (const [id, r] of overviewRows) if (!procs.has(id)) { r.tr.remove(); overviewRows.delete(id); }
  list.forEach((s, i) => {
    let r = overviewRows.get(s.id);
    if (!r) {
      const tr = document.createElement('tr');
      tr.dataset.id = s.id;
      for (let k = 0; k < 7; k++) tr.appendChild(document.createElement('td'));
      tr.onclick = () => select(s.id);
      byKeyboard(tr);
      overviewRows.set(s.id, r = { tr, s: null, selected: null });
    }
    const selected = !!sel && sel.id === s.id;
    if (r.s !== s || r.selected !== selected) { fillRow(r.tr, s, selected); r.s = s; r.selected = selected; }
    if (body.children[i] !== r.tr) body.insertBefore(r.tr, body.children[i] || null);
  });
}

function fillRow(tr, s, selected) {
  tr.classList.toggle('alerting', s.alerting);
  // Frames keep coming but no scored outcome does: the scorer is down or far behind, it skips
  // every frame as stale (it cannot catch up, or the ingest host's clock is behind), or it rejects
  // them to the dead-letter topic (the reason says what to fix): no alert can come.
  const unscored = s.live && s.unscored;
  // Frames stopped without ingest saying the recording ended (ingest killed, its host or network
  // lost, the camera frozen), or ingest failed: the scope may still be in with nothing watching.
  const cutOff = !s.staleSinceMs && !s.live && (s.framesStopped || s.recording === 'failed');
  tr.classList.toggle('unscored', unscored || cutOff);
  tr.classList.toggle('selected', selected);
  // Its records do not reach the console: shown as it was then, in alert if it was.
  tr.classList.toggle('stale', !!s.staleSinceMs);
  const state = s.staleSinceMs ? 'NOT UPDATING (since ' + clock(s.staleSinceMs) + ')'
    : !s.live ? (s.recording === 'failed' ? 'INGEST FAILED (' + clock(s.recordingAtMs) + '): ' + s.recordingReason
      : s.framesStopped ? 'FRAMES STOPPED (since ' + clock(s.lastCaptureMs) + ', no end of recording)' : 'ended')
    : unscored ? 'NOT SCORED (' + Math.round(s.unscoredMs / 1000) + (s.rejectReason ? ' s, frames rejected: ' + s.rejectReason + ')'
      : s.skipping ? ' s, every frame skipped as stale)' : ' s behind)') : 'live';
  const alert = s.alerting ? (s.staleSinceMs ? 'ALERT (last known)' : 'ALERT') : (s.alerts ? s.alerts + ' past' : '–');
  // Dead-lettered frames stay counted after their procedure is scored again or ends: frames nobody
  // judged, to look for on the dead-letter topic (its records keep each frame whole, with the reason).
  // Scored "before" its capture by over a second (the scorer's tolerance, ScoringTopology.CLOCK_AHEAD_MS):
  // the ingest host's clock runs ahead, and its frames are never skipped as stale however late.
  const latency = s.lastIndex < 0 ? '–' : s.latencyMs + ' ms' + (s.latencyMs < -1000 ? ' (ingest clock ahead)' : '');
  const cells = [s.id, state, s.frames ? fmt(s.fps, 1) : '–', fmt(s.lastScore, 4), alert, latency, s.rejected ? String(s.rejected) : '–'];
  cells.forEach((c, k) => { if (tr.children[k].textContent !== c) tr.children[k].textContent = c; });
}

async function getJson(p) {
  const r = await fetch(p);
  if (!r.ok) throw Object.assign(new Error(p + ': ' + r.status), { status: r.status });
  return r.json();
}

// The row being opened while its view is fetched. Alert events pushed meanwhile are kept and
// replayed over the fetched view: the view may have been read before they happened, and alerts are
// only pushed, never pulled again (a lost one stayed off the page, or an ended one stayed open).
// Only the last row clicked opens: an earlier click whose fetch answers later is dropped.
// keep: the open view of the same procedure read again (after a reconnection), in review where it was.
let opening = null;

async function select(id, keep) {
  const mine = opening = { id, alerts: [] };
  const data = await getJson('api/procedures/' + encodeURIComponent(id))
    .catch(e => { if (opening === mine) opening = null; throw e; });
  if (opening !== mine) return;   // another row was clicked, or this procedure forgotten, meanwhile
  opening = null;
  const was = keep && sel && sel.id === id ? sel : null;
  sel = { id, timeline: data.timeline, alerts: new Map(data.alerts.map(a => [a.alertId, a])), models: data.models,
          rejections: new Map(data.rejections.map(r => [r.index, r.reason])),
          live: true, shown: -1, loading: false, wanted: -1, fetchingTimeline: false, fetchingRejections: false };
  $('#procedure').hidden = false;
  $('#title').textContent = id;
  setMode(was ? was.live : true);
  mine.alerts.forEach(a => sel.alerts.set(a.alertId, a));
  renderOverview();
  renderAlerts();
  renderModels();
  drawTimeline();
  // Summaries pushed during the fetch were not applied to the view: pull the points they announced
  // (the procedure may have ended meanwhile, and then no further summary comes).
  catchUp(procs.get(id) || data.summary);
  catchUpRejections(procs.get(id) || data.summary);
  const last = sel.timeline.length ? sel.timeline[sel.timeline.length - 1].index : -1;
  if (was && !was.live && was.shown >= 0) show(was.shown);
  else if (last >= 0) show(last);
  else {
    // Nothing to show yet; for a procedure known by its rejected frames alone, why and where to look.
    const c = $('#frame');
    c.getContext('2d').clearRect(0, 0, c.width, c.height);
    const s = data.summary;
    $('#frameinfo').textContent = s.rejected
      ? 'no frame scored: ' + s.rejected + ' sent to the dead-letter topic' + (s.rejectReason ? ' (' + s.rejectReason + ')' : '')
        + '; endowatch dead-letters --procedure ' + id + ' lists them'
      : 'no frame scored yet';
  }
}

function setMode(live) {
  sel.live = live;
  $('#mode').textContent = live ? 'live' : 'review';
  $('#mode').className = 'badge' + (live ? '' : ' review');
  $('#live').hidden = live;
}

// Shows frame `index`: if a load is in flight, remember only the newest wish (drop, never queue).
function show(index) {
  if (!sel) return;
  sel.wanted = index;
  if (sel.loading) return;
  sel.loading = true;
  const id = sel.id;
  const img = new Image();
  const heat = getJson('api/procedures/' + encodeURIComponent(id) + '/heatmaps/' + index).catch(() => null);
  img.onload = async () => { const h = await heat; if (sel && sel.id === id) { sel.image = img; sel.heat = h; sel.shown = index; drawFrame(); } done(); };
  // A frame the scorer rejected may be one no browser can decode either: shown as a blank with why.
  img.onerror = () => { if (sel && sel.id === id && sel.rejections.has(index)) { sel.image = null; sel.heat = null; sel.shown = index; drawFrame(); } done(); };
  img.src = 'api/procedures/' + encodeURIComponent(id) + '/frames/' + index;
  function done() {
    if (!sel || sel.id !== id) return;
    sel.loading = false;
    if (sel.wanted !== index) show(sel.wanted);
  }
}

function drawFrame() {
  const c = $('#frame'), ctx = c.getContext('2d');
  ctx.clearRect(0, 0, c.width, c.height);
  if (sel.image) ctx.drawImage(sel.image, 0, 0, c.width, c.height);
  const on = $('#overlay').checked;
  c.dataset.overlay = on ? 'on' : 'off';
  c.dataset.index = sel.shown;
  const h = sel.heat;
  if (on && h) {
    // Patches over the patch threshold, red (just over) to yellow (twice over), smoothed by scaling.
    const small = document.createElement('canvas');
    small.width = h.gridWidth; small.height = h.gridHeight;
    const sctx = small.getContext('2d'), px = sctx.createImageData(h.gridWidth, h.gridHeight);
    h.values.forEach((v, i) => {
      const t = h.patchThreshold > 0 ? Math.min(1, (v - h.patchThreshold) / h.patchThreshold) : 1;
      px.data.set([255, Math.round(255 * Math.max(0, t)), 0, v > h.patchThreshold ? 255 : 0], i * 4);
    });
    sctx.putImageData(px, 0, 0);
    ctx.globalAlpha = $('#opacity').value / 100;
    ctx.imageSmoothingEnabled = true;
    ctx.drawImage(small, 0, 0, c.width, c.height);
    ctx.globalAlpha = 1;
  }
  const p = sel.timeline.find(t => t.index === sel.shown), rejected = sel.rejections.get(sel.shown);
  $('#frameinfo').textContent = 'frame ' + sel.shown + (p ? (p.score !== null && p.score !== undefined ? ' · score ' + fmt(p.score, 4) : ' · skipped (' + p.skipReason + ')')
    : rejected !== undefined ? ' · rejected by the scorer, not scored (' + rejected + ')' : '');
}

function drawTimeline() {
  const c = $('#timeline'), ctx = c.getContext('2d'), w = c.width, h = c.height;
  const pts = sel.timeline, marks = [...sel.rejections.keys()];
  c.dataset.points = pts.length;
  c.dataset.rejections = marks.length;
  c.dataset.thresholds = sel.models.map(m => m.fromIndex + ':' + m.threshold).join(' ');
  ctx.fillStyle = '#181818'; ctx.fillRect(0, 0, w, h);
  if (!pts.length && !marks.length) return;
  const first = least(marks, pts.length ? pts[0].index : Infinity), last = most(marks, pts.length ? pts[pts.length - 1].index : -Infinity);
  const span = Math.max(1, last - first);
  const max = most(pts.map(p => p.score || 0), most(sel.models.map(m => 2 * m.threshold), 0)) * 1.05 || 1;
  const x = i => (i - first) / span * (w - 10) + 5, y = v => h - 5 - v / max * (h - 10);
  ctx.fillStyle = 'rgba(255,60,60,0.25)';
  for (const a of sel.alerts.values()) {
    const end = a.type === 'alert-end' ? a.endFrame : last;
    ctx.fillRect(x(a.startFrame), 0, Math.max(2, x(end) - x(a.startFrame)), h);
  }
  // The threshold each frame was judged by: one step per model version (a release mid-procedure).
  ctx.strokeStyle = '#ccc'; ctx.setLineDash([5, 4]); ctx.beginPath();
  sel.models.forEach((m, i) => {
    const next = sel.models[i + 1];
    const from = i === 0 ? 0 : x(m.fromIndex), to = next ? x(next.fromIndex) : w;
    i === 0 ? ctx.moveTo(from, y(m.threshold)) : ctx.lineTo(from, y(m.threshold));
    ctx.lineTo(to, y(m.threshold));
  });
  ctx.stroke(); ctx.setLineDash([]);
  ctx.strokeStyle = '#6cf'; ctx.beginPath();
  let pen = false;
  for (const p of pts) {
    if (p.score === null || p.score === undefined) { pen = false; ctx.fillStyle = '#666'; ctx.fillRect(x(p.index), h - 4, 1, 4); continue; }
    pen ? ctx.lineTo(x(p.index), y(p.score)) : ctx.moveTo(x(p.index), y(p.score));
    pen = true;
  }
  ctx.stroke();
  // Frames the scorer sent to the dead-letter topic: orange, taller than a skip's grey tick.
  ctx.fillStyle = '#f90';
  for (const i of marks) ctx.fillRect(x(i), h - 10, 1, 10);
  if (sel.shown >= 0) { ctx.strokeStyle = '#fff'; ctx.beginPath(); ctx.moveTo(x(sel.shown), 0); ctx.lineTo(x(sel.shown), h); ctx.stroke(); }
  c.onclick = e => {
    const r = c.getBoundingClientRect(), fx = (e.clientX - r.left) / r.width * w;
    const idx = Math.round(first + (fx - 5) / (w - 10) * span);
    setMode(false); show(Math.max(first, Math.min(last, idx)));
  };
}

// Which model judged the frames: one version, or each with the frames it scored after a release.
function renderModels() {
  const m = sel.models;
  $('#models').textContent = !m.length ? '' : m.length === 1 ? 'model ' + m[0].model + ' · threshold ' + fmt(m[0].threshold, 4)
    : 'models: ' + m.map((s, i) => s.model + ' (threshold ' + fmt(s.threshold, 4) + ', frames ' + s.fromIndex
      + (m[i + 1] ? '–' + (m[i + 1].fromIndex - 1) : ' on') + ')').join(' · ');
}

// The open view's alerts, the newest first. Items are kept and updated in place, as the overview's
// rows are: an open alert's peak climbs frame by frame, an update each time, and on an item rebuilt
// at each a held click to review it came to nothing (and its peak image was fetched again each time).
const alertItems = new Map();   // alertId -> its item, for the procedure alertItemsOf
let alertItemsOf = null;
function renderAlerts() {
  const list = $('#alerts');
  if (alertItemsOf !== sel.id) { alertItems.clear(); list.replaceChildren(); alertItemsOf = sel.id; }
  for (const [id, li] of alertItems) if (!sel.alerts.has(id)) { li.remove(); alertItems.delete(id); }
  const alerts = [...sel.alerts.values()].sort((a, b) => b.startFrame - a.startFrame);
  const live = procs.has(sel.id) && procs.get(sel.id).live;
  alerts.forEach((a, i) => {
    let li = alertItems.get(a.alertId);
    if (!li) {
      li = document.createElement('li');
      li.dataset.alert = a.alertId;
      li.append(document.createElement('img'), document.createElement('div'));
      const id = a.alertId;
      li.onclick = () => { const now = sel && sel.alerts.get(id); if (now) { setMode(false); show(now.peakFrame); } };
      byKeyboard(li);
      alertItems.set(id, li);
    }
    li.classList.toggle('open', a.type !== 'alert-end');
    const [img, text] = li.children;
    const src = 'api/procedures/' + encodeURIComponent(sel.id) + '/frames/' + a.peakFrame;
    if (img.getAttribute('src') !== src) { img.alt = 'peak frame ' + a.peakFrame; img.src = src; }
    const words = 'frames ' + a.startFrame + '–' + (a.type === 'alert-end' ? a.endFrame : live ? 'now' : '? (no end recorded)') + ' · peak ' + a.peakFrame + ' · ' + fmt(a.peakScore, 4)
      + (a.endReason === 'frames-stopped' ? ' · video stopped during the alert'
        : a.endReason === 'recording-ended' ? ' · recording ended during the alert' : '');
    if (text.textContent !== words) text.textContent = words;
    if (list.children[i] !== li) list.insertBefore(li, list.children[i] || null);
  });
}

// Pull the rejection marks it lacks: from the newest one the summary names, or from after the
// newest it has if that is earlier (a coalesced push skips over some).
async function catchUpRejections(summary) {
  if (summary.lastRejectedIndex < 0 || sel.rejections.has(summary.lastRejectedIndex) || sel.fetchingRejections) return;
  const known = most(sel.rejections.keys(), -1);
  const view = sel;
  view.fetchingRejections = true;
  try {
    const more = await getJson('api/procedures/' + encodeURIComponent(view.id) + '/rejections?from=' + Math.min(summary.lastRejectedIndex, known + 1));
    if (sel === view) {
      more.forEach(r => view.rejections.set(r.index, r.reason));
      drawTimeline();
    }
  } finally { view.fetchingRejections = false; }
}

// Pull the points a coalesced push skipped over. Answers belong to the view that asked: one that
// lands after the procedure was closed and opened again would add the points its new view already
// read a second time (the same procedure id, so the id alone does not tell).
async function catchUp(summary) {
  const view = sel;
  const known = view.timeline.length ? view.timeline[view.timeline.length - 1].index : -1;
  if (summary.lastIndex <= known || view.fetchingTimeline) return;
  view.fetchingTimeline = true;
  try {
    const more = await getJson('api/procedures/' + encodeURIComponent(view.id) + '/timeline?from=' + (known + 1));
    if (sel === view) {
      // A loop, not push(...more): a page back from a long sleep can miss more points than a call takes arguments.
      for (const p of more) if (p.index > known) view.timeline.push(p);
      const m = view.models[view.models.length - 1];
      if (!m || m.model !== summary.model || m.threshold !== summary.threshold) {
        const models = await getJson('api/procedures/' + encodeURIComponent(view.id) + '/models');
        if (sel === view) { view.models = models; renderModels(); }
      }
      drawTimeline();
    }
  } finally { view.fetchingTimeline = false; }
}

// The header's word on the page's event stream: green only while connected.
function connection(state) {
  $('#connection').textContent = state;
  $('#connection').className = state === 'connected' ? 'on' : 'off';
}

let connectedBefore = false;   // whether an overview came on an earlier connection
function connect() {
  const es = new EventSource('api/events');
  es.onopen = () => connection('connected');
  es.onerror = () => {
    connection('reconnecting…');
    // The browser tries again by itself after a dropped connection, but gives up for good on an
    // answer that is not the stream: a reverse proxy's 502 while the console restarts. Start over then.
    if (es.readyState === EventSource.CLOSED) setTimeout(start, RETRY_MS);
  };
  // The first event of every connection: the whole overview as it is now. What was pushed while the
  // page was not connected is lost (a procedure that ended, an alert), so the overview is replaced
  // and an open view read again, where it was. (The view stays open when the console does not hold
  // its procedure yet: a console that restarted pushes each one as it reads its history.)
  // An alert that started meanwhile on a live procedure is cued now (not on the first connection:
  // a page just opened is not told of alerts already open).
  es.addEventListener('procedures', e => {
    const before = new Map(procs);
    procs.clear();
    JSON.parse(e.data).forEach(s => procs.set(s.id, s));
    if (connectedBefore) {
      for (const s of procs.values()) {
        const was = before.get(s.id);
        if (s.live && s.alerting && (!was || !was.alerting || was.alerts < s.alerts)) cue(s.id);
      }
    }
    connectedBefore = true;
    renderOverview();
    if (sel && !opening) select(sel.id, true).catch(() => {});   // not over a row being opened
  });
  es.addEventListener('source', e => { source = JSON.parse(e.data); renderSource(); });
  es.addEventListener('summary', e => {
    const s = JSON.parse(e.data);
    procs.set(s.id, s);
    renderOverview();
    if (sel && sel.id === s.id) { catchUp(s); catchUpRejections(s); if (sel.live && s.lastIndex >= 0) show(s.lastIndex); }
  });
  es.addEventListener('forget', e => {
    // The topics' retention deleted it: the row goes, and an open view of it with it.
    const id = JSON.parse(e.data).id;
    procs.delete(id);
    if (sel && sel.id === id) { sel = null; $('#procedure').hidden = true; }
    if (opening && opening.id === id) opening = null;
    renderOverview();
  });
  es.addEventListener('alert', e => {
    const a = JSON.parse(e.data);
    // Only a live procedure's: a console that restarts reads its history again, and pages that
    // reconnect meanwhile would hear every old alert.
    if (a.type === 'alert-start' && procs.has(a.procedureId) && procs.get(a.procedureId).live) cue(a.procedureId);
    if (opening && opening.id === a.procedureId) opening.alerts.push(a);
    if (sel && sel.id === a.procedureId) { sel.alerts.set(a.alertId, a); renderAlerts(); drawTimeline(); }
  });
}

$('#overlay').onchange = () => sel && drawFrame();
$('#opacity').oninput = () => sel && drawFrame();
$('#live').onclick = () => { setMode(true); const t = sel.timeline; if (t.length) show(t[t.length - 1].index); };
// A page opened without the console's token, or with a wrong one, says so and what to do rather
// than staying empty; its event stream is not opened then (each retry would count as a wrong token,
// and five lock this address out for a minute).
function refused(status) {
  const b = $('#source');
  b.dataset.status = status === 429 ? 'LOCKED_OUT' : 'TOKEN_REFUSED';
  b.textContent = status === 429
    ? 'Too many wrong tokens from this address: wait a minute, then open the page again with the right ?token=.'
    : (tokenGiven ? 'The token this page was opened with is not the console\'s' : 'This console needs its token')
      + ': open ' + location.origin + location.pathname + '?token=TOKEN, with the token it was started with'
      + ' (--token or ENDOWATCH_CONSOLE_TOKEN).';
  b.className = 'warn';
  b.hidden = false;
  $('#empty').hidden = true;
  connection('refused');
}

// Connects once the console answers with this page's token (the stream's first event brings the
// overview); while it does not answer, tries again every few seconds.
const RETRY_MS = 3000;
function start() {
  getJson('api/source').then(() => connect()).catch(e => {
    if (e.status === 401 || e.status === 429) refused(e.status);
    else { connection('reconnecting…'); setTimeout(start, RETRY_MS); }
  });
}
start();
