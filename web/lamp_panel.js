// web/lamp_panel.js: one lamp up close: its twin and its console, live
// from its own event stream (GET /api/events?serial=), and the actions
// the API takes (POST /api/lamps/SERIAL/actions/NAME).  The page checks
// nothing the API checks itself: a request goes as the user filled it,
// and the API's answer ("field: what is wrong") is shown as it came.

import { readEvents, request, postJson } from './api.js';

const CONSOLE_LINES = 1000;  // the console keeps this many lines
const RETRY_MS = 2000;

export class LampPanel {
  // root: the panel's element (index.html's #lamp); onClose(): the user
  // closed it.
  constructor(root, onClose) {
    this.root = root;
    this.serial = null;
    this.stream = null;
    this.$ = (sel) => root.querySelector(sel);
    this.$('#lamp-close').addEventListener('click', () => { this.close(); onClose(); });
    for (const b of root.querySelectorAll('button[data-action]'))
      b.addEventListener('click', () => this.act(b.dataset.action, {}));
    this.$('#lamp-remove').addEventListener('click', () => this.removeLamp());
    for (const form of root.querySelectorAll('form[data-action]'))
      form.addEventListener('submit', (e) => {
        e.preventDefault();
        this.act(form.dataset.action, formBody(form));
      });
  }

  open(serial) {
    if (serial === this.serial) return;
    this.close();
    this.serial = serial;
    this.root.hidden = false;
    this.root.dataset.serial = serial;
    this.$('#lamp-serial').textContent = serial;
    this.$('#lamp-console').textContent = '';
    this.$('#lamp-twin').replaceChildren();
    this.showResult('', false);
    this.follow(serial);
  }

  close() {
    this.stream?.abort();
    this.stream = null;
    this.serial = null;
    this.root.hidden = true;
    delete this.root.dataset.serial;
  }

  // The lamp's stream until the panel closes or shows another lamp; it
  // starts with the lamp's twin, then every change and console line.
  async follow(serial) {
    while (this.serial === serial) {
      const ctl = new AbortController();
      this.stream = ctl;
      this.setStreamState('connecting');
      try {
        await readEvents(`/api/events?serial=${encodeURIComponent(serial)}&kinds=twin,console,removed`,
          (kind, data, raw) => this.onEvent(kind, data, raw), ctl.signal);
        this.setStreamState('stream ended; reconnecting');
      } catch (e) {
        if (e.name === 'AbortError') return;
        this.setStreamState(e.message, true);
        if (e.status === 404) return;  // the lamp is gone
      }
      await new Promise((r) => setTimeout(r, RETRY_MS));
    }
  }

  onEvent(kind, data, raw) {
    if (kind === 'twin' && data) {
      this.setStreamState('live');
      this.renderTwin(data);
    } else if (kind === 'console') {
      this.appendConsole(data ? data.line : `(unreadable event: ${raw})`);
    } else if (kind === 'removed') {
      this.setStreamState('this lamp was removed from the fleet', true);
    } else if (kind === 'dropped') {
      this.appendConsole(`(the server dropped ${data ? data.dropped : 'some'} events: the page read too slowly)`);
    }
  }

  setStreamState(text, bad = false) {
    const el = this.$('#lamp-stream');
    el.textContent = text;
    el.classList.toggle('error', bad);
  }

  appendConsole(line) {
    const pre = this.$('#lamp-console');
    const atEnd = pre.scrollTop + pre.clientHeight >= pre.scrollHeight - 4;
    pre.append(line + '\n');
    while (pre.childNodes.length > CONSOLE_LINES) pre.firstChild.remove();
    if (atEnd) pre.scrollTop = pre.scrollHeight;
  }

  renderTwin(twin) {
    const rows = [];
    for (const [key, value] of Object.entries(twin)) {
      if (value && typeof value === 'object') {
        rows.push(sectionRow(key));
        flatten(value, '', rows);
      } else {
        rows.push(valueRow(key, value));
      }
    }
    this.$('#lamp-twin').replaceChildren(...rows);
  }

  async act(action, body) {
    const serial = this.serial;
    for (const el of this.root.querySelectorAll('.invalid')) el.classList.remove('invalid');
    this.showResult(`${action}: sent`, false);
    try {
      await postJson(`/api/lamps/${encodeURIComponent(serial)}/actions/${action}`, body);
      this.showResult(`${action}: done`, false);
    } catch (e) {
      this.showResult(e.message, true);
      if (e.field) this.root.querySelector(`form[data-action="${action}"] [name="${e.field}"]`)?.classList.add('invalid');
    }
  }

  async removeLamp() {
    const serial = this.serial;
    if (!confirm(`Remove ${serial} from the fleet? Its state directory stays on disk.`)) return;
    try {
      await request('DELETE', `/api/lamps/${encodeURIComponent(serial)}`);
      this.showResult(`${serial}: removed`, false);
    } catch (e) {
      this.showResult(e.message, true);
    }
  }

  showResult(text, bad) {
    const el = this.$('#lamp-result');
    el.textContent = text;
    el.classList.toggle('error', bad);
  }
}

// A form's fields as the action's JSON body: empty fields are left out,
// "true"/"false" choices become booleans, number inputs numbers, a
// checked checkbox true.
function formBody(form) {
  const body = {};
  for (const el of form.elements) {
    if (!el.name) continue;
    if (el.type === 'checkbox') {
      if (el.checked) body[el.name] = true;
    } else if (el.value !== '') {
      body[el.name] = el.value === 'true' ? true : el.value === 'false' ? false
        : el.type === 'number' ? Number(el.value) : el.value;
    }
  }
  return body;
}

function flatten(obj, prefix, rows) {
  for (const [key, value] of Object.entries(obj)) {
    const name = prefix + key;
    if (value && typeof value === 'object') flatten(value, `${name}.`, rows);
    else rows.push(valueRow(name, value));
  }
}

function sectionRow(name) {
  const tr = document.createElement('tr');
  const th = document.createElement('th');
  th.colSpan = 2;
  th.textContent = name;
  tr.append(th);
  return tr;
}

function valueRow(name, value) {
  const tr = document.createElement('tr');
  const k = document.createElement('td');
  const v = document.createElement('td');
  k.textContent = name;
  v.textContent = typeof value === 'number' && !Number.isInteger(value) ? value.toFixed(3) : String(value);
  v.dataset.key = name;
  tr.append(k, v);
  return tr;
}
