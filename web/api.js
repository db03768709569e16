// web/api.js: the control API as the page reaches it (docs/web.md#token):
// the bearer token, requests whose failures carry the server's own
// message, and the event stream read through fetch.
//
// Why fetch and not EventSource for /api/events: EventSource cannot send
// an Authorization header, and the API takes the token only there; a
// token in a query string or a cookie would widen what the server accepts
// for every route.  fetch streams the response body just as well.

const TOKEN_KEY = 'lampsim.token';

// The token: from the address's fragment (#token=HEX, never sent to the
// server, removed from the address bar at once), else from this tab's
// session storage (gone when the tab is closed).
export function takeToken() {
  const m = /(?:^#|&)token=([0-9A-Za-z]+)/.exec(location.hash);
  if (m) {
    sessionStorage.setItem(TOKEN_KEY, m[1]);
    history.replaceState(null, '', location.pathname + location.search);
  }
  return sessionStorage.getItem(TOKEN_KEY);
}

export function setToken(token) {
  sessionStorage.setItem(TOKEN_KEY, token.trim());
}

export function forgetToken() {
  sessionStorage.removeItem(TOKEN_KEY);
}

// An API failure: the HTTP status, and the server's message ("field:
// what is wrong") when it sent one.
export class ApiError extends Error {
  constructor(what, status, message, field) {
    super(`${what}: ${message}`);
    this.status = status;
    this.field = field || null;
  }
}

async function errorOf(what, r) {
  let message = `HTTP ${r.status} ${r.statusText}`;
  let field = null;
  try {
    const body = await r.json();
    if (body && typeof body.error === 'string') {
      message = body.error;
      field = body.field;
    }
  } catch (_) {
    // not JSON: the status line says what there is to say
  }
  return new ApiError(what, r.status, message, field);
}

// A request with the token; resolves to the response, or throws ApiError
// (a network failure too, as status 0).
export async function request(method, path, body, signal) {
  const what = `${method} ${path}`;
  const init = { method, signal, headers: { Authorization: `Bearer ${sessionStorage.getItem(TOKEN_KEY) || ''}` } };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let r;
  try {
    r = await fetch(path, init);
  } catch (e) {
    if (e.name === 'AbortError') throw e;
    throw new ApiError(what, 0, `the server did not answer (${e.message}); is lampsim serve still running?`);
  }
  if (!r.ok) throw await errorOf(what, r);
  return r;
}

export async function getJson(path, signal) {
  return (await request('GET', path, undefined, signal)).json();
}

export async function postJson(path, body) {
  return (await request('POST', path, body)).json();
}

// Reads a Server-Sent Events stream until it ends or signal aborts:
// onEvent(kind, data, raw) for each event, data parsed as JSON (null when
// it is not JSON: raw is the text as sent).  Comments (keepalives) are
// skipped.  onOpen() (optional) is called once the stream is open.
export async function readEvents(path, onEvent, signal, onOpen) {
  const r = await request('GET', path, undefined, signal);
  if (onOpen) onOpen();
  const reader = r.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    let end;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let kind = 'message';
      const data = [];
      for (const line of block.split('\n')) {
        if (line.startsWith('event: ')) kind = line.slice(7);
        else if (line.startsWith('data: ')) data.push(line.slice(6));
      }
      if (!data.length) continue;
      const raw = data.join('\n');
      let parsed = null;
      try {
        parsed = JSON.parse(raw);
      } catch (_) {
        // handed on as raw text: one bad event must not end the stream
      }
      onEvent(kind, parsed, raw);
    }
  }
}
