#!/usr/bin/python3
"""The fleet view (docs/web.md) checked in a real browser: drives headless
Chromium over the DevTools protocol (python3-websocket) against a running
`lampsim serve`, and prints TAP.  serve_web.sh starts both and stops them.

Usage: serve_web_page.py DEVTOOLS_PORT SERVE_URL TOKEN SCREENSHOT_PNG
"""
import base64
import json
import struct
import sys
import time
import urllib.error
import urllib.request

import websocket

WAIT_S = 30  # what any one thing may take to show on the page


class Page:
    """One browser tab over the DevTools protocol."""

    def __init__(self, devtools_port):
        req = urllib.request.Request(f"http://127.0.0.1:{devtools_port}/json/new?about:blank",
                                     method="PUT")
        with urllib.request.urlopen(req, timeout=10) as r:
            target = json.load(r)
        self.ws = websocket.create_connection(target["webSocketDebuggerUrl"], timeout=WAIT_S,
                                              suppress_origin=True)
        self.next_id = 0

    def call(self, method, **params):
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == self.next_id:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg["result"]

    def eval(self, expr):
        r = self.call("Runtime.evaluate", expression=expr, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in r:
            raise RuntimeError(f"{expr}: {r['exceptionDetails'].get('text')} "
                               f"{r['exceptionDetails'].get('exception', {}).get('description', '')}")
        return r["result"].get("value")

    def goto(self, url):
        """Loads url as a new document and waits until it has loaded."""
        self.call("Page.navigate", url="about:blank")  # never a mere fragment change
        self.call("Page.navigate", url=url)
        # the page takes a #token off the address as it starts
        if not self.wait_for(f"location.href.split('#')[0] === {json.dumps(url.split('#')[0])} && "
                             "document.readyState === 'complete'"):
            raise RuntimeError(f"{url} did not load in {WAIT_S} s")

    def text(self, selector):
        """The textContent of the first element selector matches (None: none)."""
        return self.eval(f"document.querySelector({json.dumps(selector)})?.textContent")

    def wait_for(self, expr, seconds=WAIT_S):
        """expr's value once it is truthy; the last value (falsy) after seconds."""
        end = time.monotonic() + seconds
        while True:
            v = self.eval(expr)
            if v or time.monotonic() > end:
                return v
            time.sleep(0.2)


class Tap:
    def __init__(self, planned):
        self.n = 0
        self.failed = 0
        print(f"1..{planned}", flush=True)

    def check(self, ok, name, diag=None):
        self.n += 1
        if not ok:
            self.failed += 1
        print(f"{'ok' if ok else 'not ok'} {self.n} - {name}", flush=True)
        if not ok and diag is not None:
            for line in str(diag).splitlines()[:20]:
                print(f"#   {line}", flush=True)


def api(base, token, method, path, body=None):
    req = urllib.request.Request(base + path.lstrip("/"), method=method,
                                 data=None if body is None else json.dumps(body).encode(),
                                 headers={"Authorization": f"Bearer {token}",
                                          "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.load(r)


CELLS = "[...document.querySelectorAll('#grid .cell')].map(c => [c.dataset.serial, c.dataset.network, c.dataset.power, c.dataset.bootStage])"

LEGEND = "[...document.querySelectorAll('#legend li[data-state]')].map(l => l.dataset.state + '=' + l.querySelector('.count').textContent)"


def main():
    devtools_port, base, token, png = sys.argv[1:5]
    tap = Tap(12)
    # the lamps booted and settled first: the page and the API are then
    # compared on states that no longer change by themselves
    end = time.monotonic() + WAIT_S
    while True:
        lamps = api(base, token, "GET", "/api/lamps")["lamps"]
        if all(x["boot_stage"] == "running" and x["network"] == "no-creds" for x in lamps):
            break
        if time.monotonic() > end:
            raise RuntimeError(f"the lamps did not settle in {WAIT_S} s: {lamps}")
        time.sleep(0.5)
    want = [[x["serial"], x["network"], x["power"], x["boot_stage"]] for x in lamps]

    # 1. A wrong token: the page asks for the right one.
    page = Page(devtools_port)
    page.call("Page.enable")
    page.goto(f"{base}#token=0123")
    why = page.wait_for("!document.querySelector('#login').hidden && document.querySelector('#login-why').textContent")
    tap.check(bool(why) and "bearer token" in why, "a wrong token: the page asks for the token and says why",
              f"login prompt: {why!r}")

    # 2-3. The token in the fragment: one cell per lamp, in index order,
    # coloured by the states the API reports; the fragment is gone.
    page.call("Emulation.setDeviceMetricsOverride", width=1280, height=900, deviceScaleFactor=1, mobile=False)
    page.goto(f"{base}#token={token}")
    cells = page.wait_for(f"(c => c.length === {len(want)} && c)({CELLS})")
    if not cells:
        cells = page.eval(CELLS)
    tap.check(cells and [c[0] for c in cells] == [w[0] for w in want],
              f"the grid has one cell per lamp ({len(want)}), with the serials of GET /api/lamps in order",
              f"page: {cells}\napi:  {want}")
    tap.check(cells == want, "each cell carries its lamp's network state, power and boot stage",
              f"page: {cells}\napi:  {want}")
    address = page.eval("location.href")
    legend = page.eval(LEGEND)
    counts = {}
    for w in want:
        counts[w[1]] = counts.get(w[1], 0) + 1
    tap.check("token" not in address and all(f"{s}={n}" in legend for s, n in counts.items()),
              "the token left the address bar; the legend counts the lamps by network state",
              f"address {address}; legend {legend}; want {counts}")

    # 4. The counters and the chart, from /metrics.
    shown = page.wait_for(f"document.querySelector('[data-counter=lamps]').textContent === '{len(want)}' && "
                          "document.querySelector('[data-counter=running]').textContent")
    # the chart drew its axes and the first rates ("connects 0/s")
    painted = page.wait_for("(c => { const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;"
                            " let n = 0; for (let i = 3; i < d.length; i += 4) n += d[i] > 0; return n > 2000 && n; })"
                            "(document.querySelector('#rates'))")
    tap.check(bool(shown) and bool(painted),
              f"the counters show {len(want)} lamps (and {shown} running); the chart is drawn ({painted} pixels)",
              page.eval("document.querySelector('#counters').innerText"))

    # 5. A lamp clicked: its twin, live.
    first = want[0][0]
    page.eval(f"document.querySelector('#grid .cell[data-serial=\"{first}\"]').click()")
    twin_serial = page.wait_for("document.querySelector('#lamp-stream').textContent === 'live' && "
                                "document.querySelector('#lamp-twin td[data-key=serial]')?.textContent")
    tap.check(twin_serial == first, f"clicking {first} opens its twin, live from its event stream",
              f"twin serial {twin_serial!r}; stream {page.text('#lamp-stream')!r}")

    # 6. A console line typed from the panel, and the lamp's answer in its console.
    page.eval("(f => { f.line.value = 'status'; f.requestSubmit(); })(document.querySelector('form[data-action=console]'))")
    done = page.wait_for("document.querySelector('#lamp-result').textContent === 'console: done'")
    text = page.wait_for("(t => t.length > 0 && t)(document.querySelector('#lamp-console').textContent)")
    # a line beyond ASCII comes back as typed (the events are JSON however
    # the line is written)
    page.eval("(f => { f.line.value = 'x\u00b0y'; f.requestSubmit(); })(document.querySelector('form[data-action=console]'))")
    echoed = page.wait_for("document.querySelector('#lamp-console').textContent.includes('lamp> x\u00b0y')", 10)
    text = page.text('#lamp-console')
    tap.check(done and "serial:" in text and echoed and "unreadable" not in text,
              "console lines typed from the panel are done and the console shows the lamp's answers, non-ASCII kept",
              f"result {page.text('#lamp-result')!r}; console {text!r}")

    # 7. An action the API refuses: its message on the page, the field marked.
    page.eval("(f => { f.daylight_lux.value = '-5'; f.requestSubmit(); })(document.querySelector('form[data-action=environment]'))")
    err = page.wait_for("(r => r.classList.contains('error') && r.textContent)(document.querySelector('#lamp-result'))")
    marked = page.eval("document.querySelector('form[data-action=environment] [name=daylight_lux]').classList.contains('invalid')")
    tap.check(bool(err) and "daylight_lux" in err and marked,
              "an action the API refuses shows the API's message and marks the field",
              f"result {err!r}; marked {marked}")
    page.eval("document.querySelector('form[data-action=environment] [name=daylight_lux]').value = ''")

    # 8. A change made through the API reaches the grid and the open panel.
    other = want[1][0]
    api(base, token, "POST", f"/api/lamps/{other}/actions/power_off")
    api(base, token, "POST", f"/api/lamps/{first}/actions/power_off")
    cell = page.wait_for(f"(c => c.dataset.power === 'off' && c.dataset.power)"
                         f"(document.querySelector('#grid .cell[data-serial=\"{other}\"]'))")
    panel = page.wait_for("(v => v === 'off' && v)(document.querySelector('#lamp-twin td[data-key=power]')?.textContent)")
    tap.check(cell == "off" and panel == "off",
              f"power_off through the API: {other}'s cell and {first}'s open twin show power off",
              f"cell {other}: {page.eval(CELLS)}; panel power {panel!r}")

    # 9. Colour by power: the legend follows.
    page.eval("(s => { s.value = 'power'; s.dispatchEvent(new Event('change')); })(document.querySelector('#colour-by'))")
    legend = page.eval(LEGEND)
    tap.check("off=2" in legend and page.eval("document.querySelector('#grid').className") == "grid by-power",
              "colouring by power: the legend counts the 2 lamps switched off", legend)
    page.eval("(s => { s.value = 'network'; s.dispatchEvent(new Event('change')); })(document.querySelector('#colour-by'))")

    # 10. A lamp added from the page appears; one removed through the API goes.
    page.eval("(f => { f.querySelector('#add-count').value = '1'; f.requestSubmit(); })(document.querySelector('#add-lamps'))")
    added = page.wait_for(f"document.querySelectorAll('#grid .cell').length === {len(want) + 1} && "
                          "document.querySelector('#add-result').textContent", 60)
    serials = page.eval(f"({CELLS}).map(c => c[0])")
    new = [x for x in serials if x not in [w[0] for w in want]]
    gone = None
    if new:
        api(base, token, "DELETE", f"/api/lamps/{new[0]}")
        gone = page.wait_for(f"!document.querySelector('#grid .cell[data-serial=\"{new[0]}\"]') && "
                             "document.querySelectorAll('#grid .cell').length")
    tap.check(bool(added) and added.startswith("added 1") and len(new) == 1 and gone == len(want),
              "a lamp added from the page gets a cell; removed through the API, it loses it",
              f"result {added!r}; new {new}; cells after the removal {gone}")

    # 11. A screenshot for the log.
    time.sleep(1.5)  # a chart sample or two more
    shot = page.call("Page.captureScreenshot", format="png")["data"]
    data = base64.b64decode(shot)
    with open(png, "wb") as f:
        f.write(data)
    w, h = struct.unpack(">II", data[16:24]) if len(data) > 24 else (0, 0)
    tap.check(data[:8] == b"\x89PNG\r\n\x1a\n" and (w, h) == (1280, 900) and len(data) > 20000,
              f"a 1280x900 screenshot saved as {png}", f"{len(data)} bytes, {w}x{h}")
    return 1 if tap.failed else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (OSError, RuntimeError, websocket.WebSocketException, urllib.error.URLError) as e:
        print(f"Bail out! {e}", flush=True)
        sys.exit(1)
