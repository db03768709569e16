// web/fleet_metrics.js: the fleet's totals from /metrics (docs/metrics.md),
// the same numbers Prometheus scrapes, so the page and a dashboard never
// disagree; and the rates between two readings.

// Prometheus text format: "name{labels} value" lines; # lines skipped.
// Returns a Map from "name" or "name{labels}" (as written) to a number.
export function parseMetrics(text) {
  const out = new Map();
  for (const line of text.split('\n')) {
    if (!line || line[0] === '#') continue;
    const space = line.lastIndexOf(' ');
    if (space > 0) out.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return out;
}

// What the page shows and charts, from one reading.
export function fleetTotals(m) {
  const v = (k) => m.get(k) ?? NaN;
  const tls = (r) => v(`lampsim_tls_handshakes_total{result="${r}"}`);
  return {
    lamps: v('lampsim_lamps'),
    running: v('lampsim_lamps_running'),
    online: v('lampsim_lamps_by_network_state{state="online"}'),
    commissioned: v('lampsim_lamps_commissioned'),
    lit: v('lampsim_lamps_lit'),
    power_w: v('lampsim_light_power_watts'),
    connects: v('lampsim_connects_total'),
    tls_full: tls('full'),
    tls_resumed: tls('resumed'),
    tls_failed: tls('failed'),
    drops: v('lampsim_connection_drops_total'),
    resets: v('lampsim_resets_total'),
    events_dropped: v('lampsim_events_dropped_total'),
  };
}

// Per-second rates of the counters between two readings taken dt_s apart;
// a counter that went down (the server restarted) counts as 0.
export function rates(prev, cur, dt_s) {
  const r = (k) => Math.max(0, (cur[k] - prev[k]) / dt_s) || 0;
  return {
    connects: r('connects'),
    full: r('tls_full'),
    resumed: r('tls_resumed'),
    failed: r('tls_failed'),
  };
}
