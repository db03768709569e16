// web/app.js: the live fleet view (docs/web.md): the token, then the
// grid fed by the fleet's event stream, the counters and the rate chart
// fed by /metrics, and the panel of the lamp clicked.

import { takeToken, setToken, forgetToken, getJson, postJson, readEvents, request } from './api.js';
import { LampGrid } from './grid.js';
import { LampPanel } from './lamp_panel.js';
import { colourRules, lampSummary } from './lamp_states.js';
import { RateChart } from './rate_chart.js';
import { parseMetrics, fleetTotals, rates } from './fleet_metrics.js';

const METRICS_MS = 1000;
const RETRY_MS = 2000;
const LIST_LIMIT = 100000;  // GET /api/lamps's largest ?limit=

const $ = (sel) => document.querySelector(sel);

const grid = new LampGrid($('#grid'), $('#legend'), (serial) => selectLamp(serial));
const panel = new LampPanel($('#lamp'), () => grid.select(null));
const chart = new RateChart($('#rates'), [
  { name: 'connects', colour: '#5b9bd5' },
  { name: 'full handshakes', colour: '#f4c20d' },
  { name: 'resumed', colour: '#2e9e44' },
  { name: 'failed', colour: '#d32f2f' },
]);
let running = false;

function selectLamp(serial) {
  grid.select(serial);
  panel.open(serial);
}

function setStatus(text, bad = false) {
  const el = $('#status');
  el.textContent = text;
  el.classList.toggle('error', bad);
}

// The token is wrong or missing: ask for it; everything waits.
function askToken(why) {
  running = false;
  $('#login').hidden = false;
  $('#login-why').textContent = why;
  $('#login input').focus();
}

async function loadLamps() {
  const list = await getJson(`/api/lamps?limit=${LIST_LIMIT}`);
  grid.replaceAll(list.lamps.map(lampSummary));
  if (list.matched > list.listed)
    setStatus(`showing ${list.listed} of ${list.matched} lamps (the API lists at most ${LIST_LIMIT})`, true);
}

// The fleet's stream: the whole list when it opens (and again after any
// loss: a reconnect, or events the server dropped), then each change.
async function followFleet() {
  while (running) {
    try {
      let listed = false;
      await readEvents('/api/events?kinds=twin,added,removed', (kind, data) => {
        if ((kind === 'twin' || kind === 'added') && data) grid.update(lampSummary(data));
        else if (kind === 'removed' && data) grid.remove(data.serial);
        else if (kind === 'dropped') loadLamps().catch((e) => setStatus(e.message, true));
      }, undefined, () => {
        // the stream is open: what it says from now on is newer than the list
        if (!listed) {
          listed = true;
          loadLamps().then(() => setStatus('live')).catch((e) => setStatus(e.message, true));
        }
      });
      setStatus('the event stream ended; reconnecting', true);
    } catch (e) {
      if (e.status === 401) return askToken(e.message);
      setStatus(`${e.message}; retrying`, true);
    }
    await new Promise((r) => setTimeout(r, RETRY_MS));
  }
}

async function pollMetrics() {
  let prev = null, prevT = 0;
  while (running) {
    try {
      const text = await (await request('GET', '/metrics')).text();
      const t = performance.now();
      const totals = fleetTotals(parseMetrics(text));
      showCounters(totals);
      if (prev) {
        const r = rates(prev, totals, (t - prevT) / 1000);
        chart.push(Date.now(), [r.connects, r.full, r.resumed, r.failed]);
      }
      prev = totals;
      prevT = t;
    } catch (e) {
      if (e.status === 401) return askToken(e.message);
      $('#counters-error').textContent = e.message;
    }
    await new Promise((r) => setTimeout(r, METRICS_MS));
  }
}

function showCounters(totals) {
  $('#counters-error').textContent = '';
  for (const el of document.querySelectorAll('#counters [data-counter]')) {
    const v = totals[el.dataset.counter];
    el.textContent = Number.isNaN(v) ? '?' : Number.isInteger(v) ? v.toLocaleString('en') : v.toFixed(1);
  }
}

async function start() {
  $('#login').hidden = true;
  running = true;
  setStatus('connecting');
  followFleet();
  pollMetrics();
}

document.head.append(Object.assign(document.createElement('style'), { textContent: colourRules() }));
$('#colour-by').addEventListener('change', (e) => grid.setMode(e.target.value));
grid.setMode($('#colour-by').value);

$('#login').addEventListener('submit', (e) => {
  e.preventDefault();
  setToken($('#login input').value);
  start();
});
$('#logout').addEventListener('click', () => {
  forgetToken();
  location.reload();
});
$('#add-lamps').addEventListener('submit', async (e) => {
  e.preventDefault();
  const out = $('#add-result');
  out.textContent = 'adding…';
  out.classList.remove('error');
  try {
    const r = await postJson('/api/lamps', { count: Number($('#add-count').value) });
    out.textContent = `added ${r.added.length}; ${r.lamps} lamps`;
  } catch (err) {
    out.textContent = err.message;
    out.classList.add('error');
  }
});

// A token typed into the address bar later: the page starts over with it.
window.addEventListener('hashchange', () => {
  if (/token=/.test(location.hash)) location.reload();
});

if (takeToken()) start();
else askToken('This page needs the server\'s token: open it as URL#token=TOKEN, or paste the token from STATE_DIR/serve.token.');
