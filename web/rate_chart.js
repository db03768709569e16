// web/rate_chart.js: rates over the last minutes as lines on a canvas
// (connects and handshakes per second), drawn here rather than by a
// charting library: the page downloads nothing and needs no build.

export class RateChart {
  // series: [{ name, colour }]; keeps `seconds` of samples.
  constructor(canvas, series, seconds = 180) {
    this.canvas = canvas;
    this.series = series;
    this.seconds = seconds;
    this.samples = [];  // { t (ms), values: [per series] }
    new ResizeObserver(() => this.draw()).observe(canvas);
  }

  push(t, values) {
    this.samples.push({ t, values });
    while (this.samples.length && this.samples[0].t < t - this.seconds * 1000)
      this.samples.shift();
    this.draw();
  }

  draw() {
    const c = this.canvas;
    const dpr = window.devicePixelRatio || 1;
    const w = c.clientWidth, h = c.clientHeight;
    if (!w || !h) return;
    if (c.width !== Math.round(w * dpr) || c.height !== Math.round(h * dpr)) {
      c.width = Math.round(w * dpr);
      c.height = Math.round(h * dpr);
    }
    const g = c.getContext('2d');
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    g.clearRect(0, 0, w, h);
    const left = 44, right = 8, top = 22, bottom = 18;
    const pw = w - left - right, ph = h - top - bottom;
    const now = this.samples.length ? this.samples[this.samples.length - 1].t : 0;
    const t0 = now - this.seconds * 1000;
    let max = 1;
    for (const s of this.samples)
      for (const v of s.values) max = Math.max(max, v);
    max = niceCeiling(max);

    g.font = '11px sans-serif';
    g.strokeStyle = '#3a3f47';
    g.fillStyle = '#9aa3ad';
    g.lineWidth = 1;
    g.textAlign = 'right';
    g.textBaseline = 'middle';
    for (let i = 0; i <= 4; i++) {
      const y = top + ph - (ph * i) / 4;
      g.beginPath();
      g.moveTo(left, Math.round(y) + 0.5);
      g.lineTo(left + pw, Math.round(y) + 0.5);
      g.stroke();
      g.fillText(formatRate((max * i) / 4), left - 4, y);
    }
    g.textAlign = 'left';
    g.textBaseline = 'bottom';
    g.fillText(`last ${this.seconds / 60} min, per second`, left, h - 2);

    let x = left;
    g.textBaseline = 'top';
    this.series.forEach((se, k) => {
      g.strokeStyle = se.colour;
      g.lineWidth = 1.6;
      g.beginPath();
      let first = true;
      for (const s of this.samples) {
        const px = left + ((s.t - t0) / (this.seconds * 1000)) * pw;
        const py = top + ph - (s.values[k] / max) * ph;
        if (first) g.moveTo(px, py); else g.lineTo(px, py);
        first = false;
      }
      g.stroke();
      const last = this.samples.length ? this.samples[this.samples.length - 1].values[k] : 0;
      const label = `${se.name} ${formatRate(last)}/s`;
      g.fillStyle = se.colour;
      g.fillRect(x, 6, 10, 3);
      g.fillText(label, x + 14, 2);
      x += g.measureText(label).width + 30;
    });
  }
}

// 1, 2 or 5 times a power of ten, at least v.
function niceCeiling(v) {
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 5, 10])
    if (m * p >= v) return m * p;
  return 10 * p;
}

function formatRate(v) {
  return v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2).replace(/\.?0+$/, '');
}
