// Call history: filters (room, time range, caller URI), pages of calls, and pictures of the
// same calls: callers per room over time, and each call's loss and jitter.
import { api } from './api.js';
import { h, clear, field, formError, showProblem, when, percent } from './dom.js';
import { timeChart, concurrency } from './chart.js';

const PAGE = 50;
const CHART_PAGES = 5;  // the charts draw at most 1,000 calls of the range, and say so

function callLoss(stats) {
  const expected = (stats.packets_in || 0) + (stats.lost || 0);
  return expected > 0 ? (stats.lost || 0) / expected : 0;
}

function localInput(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  return new Date(d.getTime() - d.getTimezoneOffset() * 60000).toISOString().slice(0, 16);
}

function toIso(local) {
  return local ? new Date(local).toISOString() : '';
}

export function historyView(main, params) {
  const form = h('form', { class: 'card filters', novalidate: true, 'aria-label': 'Filters' },
    field('Room', 'room', { value: params.get('room') || '', maxlength: 64 }),
    field('From', 'since', { type: 'datetime-local', value: localInput(params.get('since')) }),
    field('To', 'until', { type: 'datetime-local', value: localInput(params.get('until')) }),
    field('Caller URI', 'uri', { value: params.get('uri') || '', maxlength: 512 }),
    formError(),
    h('button', { type: 'submit' }, 'Show'));
  const tbody = h('tbody');
  const table = h('table', { class: 'calls' },
    h('caption', {}, 'Calls'),
    h('thead', {}, h('tr', {}, ['Joined', 'Left', 'Room', 'Caller', 'Codec', 'Ended by', 'Loss',
      'Jitter'].map((t) => h('th', { scope: 'col' }, t)))),
    tbody);
  const pager = h('nav', { class: 'pager', 'aria-label': 'Pages' });
  const charts = h('div', { class: 'charts' });
  main.append(h('h1', {}, 'Call history'), form, charts, h('div', { class: 'scroll' }, table), pager);

  const cursors = [''];  // the cursor of each page seen, to go back
  let page = 0;

  function filters() {
    const q = new URLSearchParams();
    for (const name of ['room', 'uri']) if (params.get(name)) q.set(name, params.get(name));
    for (const name of ['since', 'until']) if (params.get(name)) q.set(name, params.get(name));
    return q;
  }

  async function fetchPage(cursor, limit) {
    const q = filters();
    q.set('limit', limit);
    if (cursor) q.set('cursor', cursor);
    return api('GET', `/v1/calls?${q}`);
  }

  async function showPage() {
    try {
      const result = await fetchPage(cursors[page], PAGE);
      clear(tbody);
      for (const c of result.items) {
        const stats = c.stats || {};
        const loss = callLoss(stats);
        tbody.append(h('tr', {},
          h('td', {}, when(c.joined_at)), h('td', {}, c.left_at ? when(c.left_at) : 'in call'),
          h('td', {}, h('a', { href: `#/rooms/${encodeURIComponent(c.room)}` }, c.room)),
          h('td', {}, c.display_name ? `${c.display_name} <${c.from_uri}>` : c.from_uri),
          h('td', {}, c.codec || ''), h('td', {}, c.leave_reason || ''),
          h('td', { class: loss > 0.02 ? 'num bad' : 'num' }, percent(loss)),
          h('td', { class: (stats.jitter_ms || 0) > 30 ? 'num bad' : 'num' },
            `${(stats.jitter_ms || 0).toFixed(1)} ms`)));
      }
      if (!result.items.length) tbody.append(h('tr', {}, h('td', { colspan: 8 }, 'No calls match.')));
      cursors[page + 1] = result.next_cursor || null;
      clear(pager).append(
        h('button', { type: 'button', disabled: page === 0, onclick: () => { page -= 1; showPage(); } },
          'Newer'),
        h('span', {}, ` Page ${page + 1} `),
        h('button', { type: 'button', disabled: !result.next_cursor,
          onclick: () => { page += 1; showPage(); } }, 'Older'));
    } catch (err) {
      showProblem(form, err);
    }
  }

  async function showCharts() {
    const calls = [];
    let cursor = '';
    try {
      for (let i = 0; i < CHART_PAGES; i += 1) {
        const result = await fetchPage(cursor, 200);
        calls.push(...result.items);
        cursor = result.next_cursor;
        if (!cursor) break;
      }
    } catch {
      return;  // the table says what went wrong
    }
    const rooms = concurrency(calls).slice(0, 6);
    const peak = rooms.length ? `peak ${rooms[0].peak} callers in ${rooms[0].name}` : 'no calls';
    const points = (value) => [{ name: 'calls', points: calls.map((c) => [Date.parse(c.joined_at), value(c)]) }];
    const worst = calls.reduce((m, c) => Math.max(m, callLoss(c.stats || {})), 0);
    clear(charts).append(
      timeChart({ title: 'Callers per room', unit: '', kind: 'step', series: rooms, summary: peak }),
      timeChart({ title: 'Packet loss per call', unit: ' %', kind: 'points',
        series: points((c) => 100 * callLoss(c.stats || {})), summary: `worst ${percent(worst)}` }),
      timeChart({ title: 'Jitter per call', unit: ' ms', kind: 'points',
        series: points((c) => (c.stats || {}).jitter_ms || 0), summary: `${calls.length} calls` }));
    if (cursor) charts.append(h('p', {}, `The charts show the newest ${calls.length} calls of the range.`));
  }

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const f = form.elements;
    const q = new URLSearchParams();
    if (f.room.value) q.set('room', f.room.value);
    if (f.uri.value) q.set('uri', f.uri.value);
    if (f.since.value) q.set('since', toIso(f.since.value));
    if (f.until.value) q.set('until', toIso(f.until.value));
    location.hash = `#/history?${q}`;
  });
  showPage();
  showCharts();
  return { onEvent() {}, dispose() {} };
}
