// Small SVG charts drawn here (no library, no CDN): step lines for counts over time, points for
// per-call figures. Each chart says in words what it shows, for those who cannot see it.
const NS = 'http://www.w3.org/2000/svg';
const W = 640;
const H = 220;
const PAD = { left: 48, right: 12, top: 12, bottom: 28 };
const COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#17becf'];

function svg(tag, attrs = {}, text) {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  if (text !== undefined) el.textContent = text;
  return el;
}

function niceMax(value) {
  if (value <= 0) return 1;
  const step = 10 ** Math.floor(Math.log10(value));
  for (const m of [1, 2, 5, 10]) if (m * step >= value) return m * step;
  return 10 * step;
}

// series: [{ name, points: [[timeMs, value], ...] }]; kind: 'step' or 'points'.
export function timeChart({ title, unit, series, kind, summary }) {
  const all = series.flatMap((s) => s.points);
  const figure = document.createElement('figure');
  figure.className = 'chart';
  const caption = document.createElement('figcaption');
  caption.textContent = title;
  figure.append(caption);
  const root = svg('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': `${title}: ${summary}` });
  figure.append(root);
  if (!all.length) {
    root.append(svg('text', { x: W / 2, y: H / 2, 'text-anchor': 'middle' }, 'no data'));
    return figure;
  }
  const t0 = Math.min(...all.map((p) => p[0]));
  const t1 = Math.max(t0 + 1, ...all.map((p) => p[0]));
  const yMax = niceMax(Math.max(...all.map((p) => p[1])));
  const x = (t) => PAD.left + ((t - t0) / (t1 - t0)) * (W - PAD.left - PAD.right);
  const y = (v) => H - PAD.bottom - (v / yMax) * (H - PAD.top - PAD.bottom);
  // Axes and a few labels: enough to read a peak and when it was.
  root.append(svg('line', { x1: PAD.left, y1: y(0), x2: W - PAD.right, y2: y(0), class: 'axis' }));
  root.append(svg('line', { x1: PAD.left, y1: PAD.top, x2: PAD.left, y2: y(0), class: 'axis' }));
  for (const v of [0, yMax / 2, yMax]) {
    root.append(svg('text', { x: PAD.left - 6, y: y(v) + 4, 'text-anchor': 'end', class: 'tick' },
      `${Number.isInteger(v) ? v : v.toFixed(1)}${unit}`));
  }
  for (const t of [t0, (t0 + t1) / 2, t1]) {
    root.append(svg('text', { x: x(t), y: H - 8, 'text-anchor': 'middle', class: 'tick' },
      new Date(t).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })));
  }
  series.forEach((s, i) => {
    const colour = COLOURS[i % COLOURS.length];
    if (kind === 'step') {
      let d = '';
      s.points.forEach(([t, v], j) => {
        d += j === 0 ? `M${x(t)},${y(v)}` : `H${x(t)}V${y(v)}`;
      });
      root.append(svg('path', { d, fill: 'none', stroke: colour, 'stroke-width': 2, class: 'series' }));
    } else {
      for (const [t, v] of s.points) {
        root.append(svg('circle', { cx: x(t), cy: y(v), r: 3, fill: colour, class: 'series' }));
      }
    }
  });
  if (series.length > 1) {
    const legend = document.createElement('ul');
    legend.className = 'legend';
    series.forEach((s, i) => {
      const item = document.createElement('li');
      item.style.setProperty('--swatch', COLOURS[i % COLOURS.length]);
      item.textContent = s.name;
      legend.append(item);
    });
    figure.append(legend);
  }
  return figure;
}

// How many callers each room had over time, from call records (joined_at, left_at).
export function concurrency(calls, now = Date.now()) {
  const byRoom = new Map();
  for (const c of calls) {
    const changes = byRoom.get(c.room) || [];
    changes.push([Date.parse(c.joined_at), 1]);
    changes.push([c.left_at ? Date.parse(c.left_at) : now, -1]);
    byRoom.set(c.room, changes);
  }
  const series = [];
  for (const [room, changes] of byRoom) {
    changes.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    let n = 0;
    let peak = 0;
    const points = [];
    for (const [t, delta] of changes) {
      n += delta;
      peak = Math.max(peak, n);
      points.push([t, n]);
    }
    series.push({ name: room, points, peak });
  }
  series.sort((a, b) => b.peak - a.peak);
  return series;
}
