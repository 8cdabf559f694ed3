// Rooms: the live list (who is in, who talks, locked, on demand) and, for admins, a form that
// creates one. The list is fetched again when an event says a room or its callers changed.
import { api } from './api.js';
import { h, clear, field, formError, showProblem, say } from './dom.js';

const CODECS = [['', 'server default'], ['opus,G722,PCMU,PCMA', 'Opus first'],
  ['G722,opus,PCMU,PCMA', 'G.722 first'], ['PCMU,PCMA', 'G.711 only']];

export function roomForm(onSubmit, room = null) {
  const editing = Boolean(room);
  const r = room || {};
  const codecs = (r.codec_preference || []).join(',');
  const options = CODECS.some(([v]) => v === codecs) ? CODECS : [...CODECS, [codecs, codecs]];
  // novalidate: the server's messages, the same as the API's, are the ones shown.
  const form = h('form', { class: 'card admin', novalidate: true,
    'aria-label': editing ? 'Edit room' : 'New room' },
    h('h2', {}, editing ? 'Settings' : 'New room'),
    editing ? null : field('Name', 'name', { required: true, maxlength: 64, autocomplete: 'off' }),
    field('Display name', 'display_name', { value: r.display_name || '', maxlength: 128 }),
    field('Max participants', 'max_participants',
      { type: 'number', min: 1, value: r.max_participants ?? '' }),
    field('Codecs', 'codec_preference', { type: 'select', options, value: codecs }),
    field('Locked', 'locked', { type: 'checkbox', checked: r.locked }),
    field('Entry and exit tones', 'entry_exit_tones', { type: 'checkbox', checked: r.entry_exit_tones }),
    field('Participants join muted', 'mute_on_entry', { type: 'checkbox', checked: r.mute_on_entry }),
    field('Wait for a moderator', 'wait_for_moderator', { type: 'checkbox', checked: r.wait_for_moderator }),
    field('End with the last moderator', 'end_with_last_moderator',
      { type: 'checkbox', checked: r.end_with_last_moderator }),
    field('Seconds to wait for a moderator to come back', 'end_grace_s',
      { type: 'number', min: 0, max: 600, value: r.end_grace_s ?? 0 }),
    formError(),
    h('button', { type: 'submit', class: 'admin' }, editing ? 'Save' : 'Create'));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const f = form.elements;
    const body = {
      display_name: f.display_name.value,
      locked: f.locked.checked,
      entry_exit_tones: f.entry_exit_tones.checked,
      mute_on_entry: f.mute_on_entry.checked,
      wait_for_moderator: f.wait_for_moderator.checked,
      end_with_last_moderator: f.end_with_last_moderator.checked,
    };
    if (f.end_grace_s.value !== '') body.end_grace_s = Number(f.end_grace_s.value);
    if (!editing) body.name = f.name.value;
    // Sent as typed: the server's validation (not ours) says what is wrong, next to the field.
    if (f.max_participants.value !== '') body.max_participants = Number(f.max_participants.value);
    if (f.codec_preference.value) body.codec_preference = f.codec_preference.value.split(',');
    try {
      await onSubmit(body);
      for (const line of form.querySelectorAll('.error')) line.textContent = '';
      if (!editing) form.reset();
    } catch (err) {
      showProblem(form, err);
    }
  });
  return form;
}

export function roomsView(main) {
  const tbody = h('tbody');
  const table = h('table', { class: 'rooms' },
    h('caption', {}, 'Rooms'),
    h('thead', {}, h('tr', {}, ['Room', 'Participants', 'Talking', 'Locked', 'On demand']
      .map((t) => h('th', { scope: 'col' }, t)))),
    tbody);
  const more = h('p');
  const create = roomForm(async (body) => {
    await api('POST', '/v1/rooms', body);
    say(`Room ${body.name} created`);
    load();
  });
  main.append(h('h1', {}, 'Rooms'), h('div', { class: 'scroll' }, table), more, create);

  let timer = null;
  async function load() {
    try {
      const page = await api('GET', '/v1/rooms?limit=200');
      clear(tbody);
      for (const room of page.items) {
        const live = room.live || { participants: 0, talking: 0 };
        tbody.append(h('tr', { 'data-room': room.name },
          h('th', { scope: 'row' }, h('a', { href: `#/rooms/${encodeURIComponent(room.name)}` },
            room.display_name ? `${room.display_name} (${room.name})` : room.name)),
          h('td', { class: 'num', 'data-col': 'participants' }, String(live.participants)),
          h('td', { class: 'num', 'data-col': 'talking' }, String(live.talking)),
          h('td', {}, room.locked ? 'locked' : ''),
          h('td', {}, room.on_demand ? 'on demand' : '')));
      }
      if (!page.items.length) tbody.append(h('tr', {}, h('td', { colspan: 5 }, 'No rooms yet.')));
      more.textContent = page.next_cursor ? 'Showing the first 200 rooms.' : '';
    } catch (err) {
      say(err.message, true);
    }
  }
  load();
  return {
    onEvent(event) {
      if (!/^(room|participant)\./.test(event.type)) return;
      clearTimeout(timer);  // a burst of joins is one reload, not one each
      timer = setTimeout(load, 300);
    },
    dispose() { clearTimeout(timer); },
  };
}
