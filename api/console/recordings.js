// A room's recordings on its page: the admin's Record / Stop recording button for the room's
// mix, and every recording of the room (its mix or one caller's voice) with its length, size
// and a download. Redrawn from the API whenever a recording.* event names the room.
import { api, saveFile } from './api.js';
import { h, clear, say, when } from './dom.js';

function length(ms) {
  return ms === null || ms === undefined ? '' : `${(ms / 1000).toFixed(1)} s`;
}

function size(bytes) {
  return bytes === null || bytes === undefined ? '' : `${Math.max(1, Math.round(bytes / 1024))} kB`;
}

export function recordingsView(name) {
  const room = encodeURIComponent(name);
  const tbody = h('tbody');
  const button = h('button', { type: 'button', class: 'admin', onclick: toggle }, 'Record');
  const element = h('div', { class: 'card' },
    h('h2', {}, 'Recordings'), button,
    h('div', { class: 'scroll' }, h('table', { class: 'recordings' },
      h('thead', {}, h('tr', {}, ['Started', 'Of', 'Length', 'Size', 'State', '']
        .map((t) => h('th', { scope: 'col' }, t)))),
      tbody)));
  let running = null;  // the id of the room's mix recording that runs now, if one does

  function failed(err) { say(err.message, true); }

  async function load() {
    try {
      const list = await api('GET', `/v1/recordings?room=${room}`);
      running = null;
      clear(tbody);
      for (const r of list.items) {
        if (r.state === 'recording' && r.participant === null) running = r.id;
        const file = `${name}-${r.id}.${r.format}`;
        tbody.append(h('tr', { 'data-recording': r.id },
          h('td', {}, when(r.started_at)),
          h('td', {}, r.participant === null ? 'the room' : `caller ${r.participant}`),
          h('td', { class: 'num' }, length(r.duration_ms)),
          h('td', { class: 'num' }, size(r.size_bytes)),
          h('td', {}, r.stop_reason ? `${r.state} (${r.stop_reason})` : r.state),
          h('td', {}, r.state === 'done'
            ? h('button', { type: 'button', onclick: () => saveFile(r.audio, file).catch(failed) },
              'Download')
            : null)));
      }
      if (!list.items.length) tbody.append(h('tr', {}, h('td', { colspan: 6 }, 'None yet.')));
      button.textContent = running === null ? 'Record' : 'Stop recording';
    } catch (err) { failed(err); }
  }

  async function toggle() {
    try {
      if (running === null) {
        const started = await api('POST', `/v1/rooms/${room}/recordings`, {});
        say(`Recording ${name} (recording ${started.id})`);
      } else {
        await api('DELETE', `/v1/rooms/${room}/recordings/${running}`);
        say(`Recording of ${name} stopping`);
      }
    } catch (err) { failed(err); }
    load();
  }

  load();
  return { element, reload: load };
}
