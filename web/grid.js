// web/grid.js: the fleet as a grid, one cell per lamp in the order of
// its index, coloured by the chosen state, with a legend that counts.
//
// A fleet of thousands changes many lamps a second: changes are queued
// by serial (a lamp changed twice keeps its last state only) and applied
// once per animation frame, so the DOM is touched at most once a frame,
// and not at all while the tab is hidden.

import { COLOUR_MODES } from './lamp_states.js';

export class LampGrid {
  // grid: the cells' container; legend: where the legend goes;
  // onSelect(serial): a cell was clicked.
  constructor(grid, legend, onSelect) {
    this.grid = grid;
    this.legend = legend;
    this.lamps = new Map();    // serial -> summary
    this.cells = new Map();    // serial -> element
    this.pending = new Map();  // serial -> summary, or null: removed
    this.frame = 0;
    this.selected = null;
    this.mode = 'network';
    grid.addEventListener('click', (e) => {
      const cell = e.target.closest('.cell');
      if (cell) onSelect(cell.dataset.serial);
    });
  }

  // The whole fleet anew (a first load, or after events were lost).
  replaceAll(summaries) {
    this.pending.clear();
    for (const serial of this.lamps.keys())
      this.pending.set(serial, null);
    for (const s of summaries)
      this.pending.set(s.serial, s);
    this.schedule();
  }

  update(summary) {
    this.pending.set(summary.serial, summary);
    this.schedule();
  }

  remove(serial) {
    this.pending.set(serial, null);
    this.schedule();
  }

  setMode(mode) {
    this.mode = mode;
    this.grid.className = `grid by-${mode}`;
    this.renderLegend();
  }

  select(serial) {
    this.cells.get(this.selected)?.classList.remove('selected');
    this.selected = serial;
    this.cells.get(serial)?.classList.add('selected');
  }

  get size() {
    return this.lamps.size;
  }

  schedule() {
    if (!this.frame)
      this.frame = requestAnimationFrame(() => this.flush());
  }

  flush() {
    this.frame = 0;
    let added = false;
    for (const [serial, s] of this.pending) {
      let cell = this.cells.get(serial);
      if (!s) {
        cell?.remove();
        this.cells.delete(serial);
        this.lamps.delete(serial);
        continue;
      }
      if (!cell) {
        cell = document.createElement('div');
        cell.className = serial === this.selected ? 'cell selected' : 'cell';
        cell.dataset.serial = serial;
        this.cells.set(serial, cell);
        added = true;
      }
      this.lamps.set(serial, s);
      paint(cell, s);
    }
    this.pending.clear();
    if (added)
      this.order();
    this.grid.style.setProperty('--cell', cellSize(this.lamps.size));
    this.renderLegend();
  }

  // Cells in index order; only when lamps came, so a frame of state
  // changes never reorders the DOM.
  order() {
    const sorted = [...this.lamps.values()].sort((a, b) => a.index - b.index);
    this.grid.replaceChildren(...sorted.map((s) => this.cells.get(s.serial)));
  }

  renderLegend() {
    const m = COLOUR_MODES[this.mode];
    const counts = new Map();
    for (const s of this.lamps.values()) {
      const v = s[this.mode];
      counts.set(v, (counts.get(v) || 0) + 1);
    }
    const rows = m.states.map(([state, colour, meaning]) =>
      legendRow(colour, state, meaning, counts.get(state) || 0));
    for (const [state, n] of counts)
      if (!m.states.some(([name]) => name === state))
        rows.push(legendRow('', state, 'not in the legend', n));
    if (this.mode !== 'power') {
      const note = document.createElement('li');
      note.className = 'note';
      note.textContent = 'faded: power off; ringed red: core locked up';
      rows.push(note);
    }
    this.legend.replaceChildren(...rows);
  }
}

function paint(cell, s) {
  const d = cell.dataset;
  if (d.network !== s.network) d.network = s.network;
  if (d.power !== s.power) d.power = s.power;
  if (d.bootStage !== s.boot_stage) d.bootStage = s.boot_stage;
  const title = `${s.serial} (#${s.index}): ${s.network}, power ${s.power}, ${s.boot_stage}` +
    (s.firmware ? `, firmware ${s.firmware}` : '');
  if (cell.title !== title) cell.title = title;
}

// Cells shrink as the fleet grows, so a few thousand fit on a screen.
function cellSize(n) {
  return n <= 64 ? '44px' : n <= 512 ? '20px' : n <= 4096 ? '11px' : '7px';
}

function legendRow(colour, state, meaning, count) {
  const li = document.createElement('li');
  const swatch = document.createElement('span');
  swatch.className = 'swatch';
  if (colour) swatch.style.background = colour;
  const name = document.createElement('b');
  name.textContent = state;
  const n = document.createElement('span');
  n.className = 'count';
  n.textContent = count;
  li.append(swatch, name, ` ${meaning} `, n);
  li.dataset.state = state;
  return li;
}
