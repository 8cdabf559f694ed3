// One room, live: its callers with a talking light, a level meter and their line quality,
// updated from the event stream's `levels` messages (4 a second) and its participant events;
// for admins, the buttons that act on callers and on the room.
import { api } from './api.js';
import { h, clear, field, formError, showProblem, say, percent, when } from './dom.js';
import { recordingsView } from './recordings.js';
import { roomForm } from './rooms.js';

// Beyond these a line is bad enough to be coloured: ~2 % loss is where Opus PLC starts to be
// heard, and 30 ms of jitter is most of a default jitter buffer.
const BAD_LOSS = 0.02;
const BAD_JITTER_MS = 30;
const QUIET_EVENTS = new Set(['participant.talking', 'participant.stopped_talking',
  'playback.started', 'playback.finished']);

function meterValue(levelDbov) {
  // -dBov: 127 is silence. Speech sits around -20..-40 dBov; the meter spans -60..0.
  return Math.max(0, 60 - Math.min(60, levelDbov));
}

function quality(cell, value, bad, text) {
  cell.textContent = text;
  cell.classList.toggle('bad', value > bad);
}

export function roomView(main, name, feed) {
  const title = h('h1', {}, `Room ${name}`);
  const info = h('p', { class: 'info' });
  const tbody = h('tbody');
  const table = h('table', { class: 'participants' },
    h('caption', {}, 'Participants'),
    h('thead', {}, h('tr', {}, ['Caller', 'Codec', 'Talking', 'Level', 'Loss', 'Jitter', 'State',
      'Actions'].map((t) => h('th', { scope: 'col' }, t)))),
    tbody);
  const settings = h('div');
  const roomActions = h('div', { class: 'card admin' });
  const recordings = recordingsView(name);
  main.append(h('p', {}, h('a', { href: '#/rooms' }, '← All rooms')), title, info,
    h('div', { class: 'scroll' }, table), roomActions, recordings.element, settings);

  const rows = new Map();  // participant id → its row's live cells
  let room = null;
  let timer = null;

  function row(p) {
    const talking = h('span', { class: 'talk', role: 'img', 'aria-label': 'silent' });
    const meter = h('meter', { min: 0, max: 60, low: 20, high: 45, optimum: 30, value: 0,
      'aria-label': `level of ${p.display_name || p.from_uri}` });
    const loss = h('td', { class: 'num' });
    const jitter = h('td', { class: 'num' });
    const state = h('td');
    const gain = h('input', { type: 'number', min: 0, max: 4, step: 0.1, value: p.input_gain,
      'aria-label': 'input gain', class: 'gain' });
    const moveTo = h('input', { type: 'text', placeholder: 'room', 'aria-label': 'move to room',
      class: 'move', maxlength: 64 });
    const act = (label, fn) => h('button', { type: 'button', class: 'admin', onclick: fn }, label);
    const path = `/v1/rooms/${encodeURIComponent(name)}/participants/${p.id}`;
    const patch = (body, done) => api('PATCH', path, body).then(() => say(done)).catch(failed);
    // The buttons act on the participant as it is now (cells.p), not as it was drawn.
    const cells = { p: { ...p }, talking, meter, loss, jitter, state };
    const mute = act('Mute', () => patch({ muted: !cells.p.muted },
      `${cells.p.muted ? 'Unmuted' : 'Muted'} ${cells.p.from_uri}`));
    const deafen = act('Deafen', () => patch({ deaf: !cells.p.deaf },
      `${cells.p.deaf ? 'Undeafened' : 'Deafened'} ${cells.p.from_uri}`));
    const role = h('select', { 'aria-label': 'role', class: 'admin' },
      ['participant', 'moderator', 'listener'].map((r) => h('option', { value: r, selected: r === p.role }, r)));
    const setRole = act('Set role', () => patch({ role: role.value }, `Role set to ${role.value}`));
    Object.assign(cells, { mute, deafen });
    cells.tr = h('tr', { 'data-participant': p.id },
      h('th', { scope: 'row' }, h('span', { class: 'who-name' }, p.display_name || p.from_uri),
        p.display_name ? h('span', { class: 'uri' }, p.from_uri) : null),
      h('td', {}, p.codec || ''),
      h('td', {}, talking),
      h('td', {}, meter),
      loss, jitter, state,
      h('td', { class: 'actions' }, mute, deafen, role, setRole,
        gain, act('Set gain', () => patch({ input_gain: Number(gain.value) }, 'Gain set')),
        moveTo, act('Move', () => api('POST', `${path}/move`, { room: moveTo.value })
          .then(() => say(`Moved to ${moveTo.value}`)).catch(failed)),
        act('Kick', () => api('DELETE', path).then(() => say(`Removed ${p.from_uri}`))
          .catch(failed))));
    update(cells, p);
    return cells;
  }

  // Draws a row from what is known of its participant, after merging `news` into it: a levels
  // message carries only the figures that changed.
  function update(cells, news) {
    Object.assign(cells.p, news);
    const p = cells.p;
    cells.mute.textContent = p.muted ? 'Unmute' : 'Mute';
    cells.deafen.textContent = p.deaf ? 'Undeafen' : 'Deafen';
    cells.talking.classList.toggle('on', Boolean(p.talking));
    cells.talking.setAttribute('aria-label', p.talking ? 'talking' : 'silent');
    cells.tr.classList.toggle('talking', Boolean(p.talking));
    if (p.level_dbov !== undefined) cells.meter.value = meterValue(p.level_dbov);
    quality(cells.loss, p.packet_loss || 0, BAD_LOSS, percent(p.packet_loss));
    quality(cells.jitter, p.jitter_ms || 0, BAD_JITTER_MS, `${(p.jitter_ms || 0).toFixed(1)} ms`);
    const states = [];
    if (p.role && p.role !== 'participant') states.push(p.role);
    if (p.hand_raised) states.push('hand raised');
    if (p.muted) states.push('muted');
    if (p.deaf) states.push('deaf');
    if (p.on_hold) states.push('on hold');
    if (p.awaiting_pin) states.push('awaiting PIN');
    if (p.state && p.state !== 'joined') states.push(p.state);
    cells.state.textContent = states.join(', ');
  }

  function failed(err) { say(err.message, true); }

  async function loadParticipants() {
    try {
      const list = await api('GET', `/v1/rooms/${encodeURIComponent(name)}/participants`);
      // Rows that stay are updated in place: what someone typed in them (a gain, a room to
      // move to) survives another caller joining.
      const seen = new Set();
      for (const p of list.items) {
        const id = String(p.id);
        seen.add(id);
        if (rows.has(id)) update(rows.get(id), p);
        else rows.set(id, row(p));
      }
      for (const [id, cells] of rows) if (!seen.has(id)) rows.delete(id);
      clear(tbody);
      for (const cells of rows.values()) tbody.append(cells.tr);
      if (!list.items.length) tbody.append(h('tr', {}, h('td', { colspan: 8 }, 'Nobody is in.')));
    } catch (err) {
      if (err.status === 404) {
        rows.clear();
        clear(tbody);
      }
      else failed(err);
    }
  }

  const lockButton = h('button', { type: 'button', onclick: () => patchRoom({ locked: !room.locked })
    .then(() => say(room.locked ? 'Room locked' : 'Room unlocked')).catch(failed) }, 'Lock');

  // Facts that change with the room; the forms are built once, so an event never wipes what
  // someone is typing.
  function showRoom() {
    const live = room.live || {};
    title.textContent = room.display_name ? `${room.display_name} (${room.name})` : `Room ${room.name}`;
    info.textContent = [room.locked ? 'Locked' : 'Open', room.has_pin ? 'PIN set' : 'no PIN',
      room.has_moderator_pin ? 'moderator PIN set' : null,
      room.on_demand ? 'on demand' : null, live.started_at ? `started ${when(live.started_at)}` : null]
      .filter(Boolean).join(' · ');
    lockButton.textContent = room.locked ? 'Unlock' : 'Lock';
    if (!settings.firstChild) {
      buildControls();
      settings.append(roomForm((body) => patchRoom(body).then(() => say('Saved')), room));
    }
  }

  // A form that sets (or, empty, removes) one of the room's PINs.
  function pinSetter(label, key) {
    const form = h('form', { novalidate: true, 'aria-label': label },
      field(`${label} (4 to 12 digits, empty removes it)`, key, { inputmode: 'numeric', autocomplete: 'off' }),
      formError(), h('button', { type: 'submit' }, `Set ${label}`));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const pin = form.elements[key].value;
      try {
        await patchRoom({ [key]: pin === '' ? null : pin });
        say(`${label} ${pin === '' ? 'removed' : 'set'}`);
        form.reset();
      } catch (err) { showProblem(form, err); }
    });
    return form;
  }

  function buildControls() {
    const pinForm = pinSetter('PIN', 'pin');
    const modForm = pinSetter('Moderator PIN', 'moderator_pin');
    const dialForm = h('form', { novalidate: true, 'aria-label': 'Dial out' },
      field('Dial out to (SIP URI)', 'uri', { placeholder: 'sip:alice@example.com', autocomplete: 'off' }),
      formError(), h('button', { type: 'submit' }, 'Call'));
    dialForm.addEventListener('submit', async (e) => {
      e.preventDefault();
      try {
        await api('POST', `/v1/rooms/${encodeURIComponent(name)}/participants`,
          { uri: dialForm.elements.uri.value });
        say(`Calling ${dialForm.elements.uri.value}`);
        dialForm.reset();
      } catch (err) { showProblem(dialForm, err); }
    });
    roomActions.append(h('h2', {}, 'Room controls'), lockButton,
      h('button', { type: 'button', class: 'danger', onclick: deleteRoom }, 'Delete room'),
      pinForm, modForm, dialForm);
  }

  async function patchRoom(body) {
    room = await api('PATCH', `/v1/rooms/${encodeURIComponent(name)}`, body);
    showRoom();
  }

  async function deleteRoom() {
    if (!window.confirm(`Delete room ${name}? Its calls are ended.`)) return;
    try {
      await api('DELETE', `/v1/rooms/${encodeURIComponent(name)}`);
      say(`Room ${name} deleted`);
      location.hash = '#/rooms';
    } catch (err) { failed(err); }
  }

  async function loadRoom() {
    try {
      room = await api('GET', `/v1/rooms/${encodeURIComponent(name)}`);
      showRoom();
    } catch (err) {
      failed(err);
    }
  }

  loadRoom();
  loadParticipants();
  feed.watchLevels(name, (levels) => {
    if (levels.room !== name) return;
    for (const p of levels.participants) {
      const cells = rows.get(String(p.id));
      if (cells) update(cells, p);
    }
  });
  return {
    onEvent(event) {
      // Talking comes with the levels, four times a second: only who is in, and how, is
      // fetched again (a room of 500 would otherwise be fetched at every turn of speech).
      if (event.room !== name || QUIET_EVENTS.has(event.type)) return;
      if (event.type.startsWith('recording.')) {
        recordings.reload();
        return;
      }
      clearTimeout(timer);
      timer = setTimeout(() => {
        if (event.type.startsWith('room.')) loadRoom();
        loadParticipants();
      }, 200);
    },
    dispose() {
      clearTimeout(timer);
      feed.watchLevels('', null);
    },
  };
}
