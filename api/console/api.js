// The REST API as the console uses it. The token lives in this tab's sessionStorage only (gone
// when the tab closes) and travels in the Authorization header; the event stream, which a
// browser cannot give a header, is opened with a single-use ticket instead.
const TOKEN_KEY = 'mcu.token';

export class ApiError extends Error {
  constructor(status, problem) {
    super((problem && (problem.detail || problem.title)) || `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
  }
}

export const session = {
  get token() { return sessionStorage.getItem(TOKEN_KEY); },
  set token(value) {
    if (value) sessionStorage.setItem(TOKEN_KEY, value);
    else sessionStorage.removeItem(TOKEN_KEY);
  },
  role: null,
  onSignedOut: () => {},
};

export async function api(method, path, body) {
  const headers = { Authorization: `Bearer ${session.token}` };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(path, {
    method, headers, body: body === undefined ? undefined : JSON.stringify(body),
    cache: 'no-store', credentials: 'omit',
  });
  const text = await res.text();
  let data = null;
  if (text) {
    try { data = JSON.parse(text); } catch { data = { detail: text }; }
  }
  if (res.status === 401) session.onSignedOut(data && data.detail);
  if (!res.ok) throw new ApiError(res.status, data);
  return data;
}

// A file the API serves (a recording's audio), saved by the browser under `filename`: fetched
// with the token, since a plain link cannot carry the Authorization header.
export async function saveFile(path, filename) {
  const res = await fetch(path, {
    headers: { Authorization: `Bearer ${session.token}` }, cache: 'no-store', credentials: 'omit',
  });
  if (!res.ok) throw new ApiError(res.status, await res.json().catch(() => null));
  const url = URL.createObjectURL(await res.blob());
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 60000);
}

// The event stream: each opening spends a fresh ticket; after an error it reopens after the
// last event it saw, so nothing is missed. `levels` names a room whose meters to carry.
export class EventFeed {
  constructor(onEvent, onState) {
    this.onEvent = onEvent;
    this.onState = onState;
    this.lastId = null;
    this.levelsRoom = '';
    this.onLevels = () => {};
    this.source = null;
    this.retry = null;
    this.closed = false;
  }

  async open() {
    this.closeSource();
    if (this.closed) return;
    try {
      const { ticket } = await api('POST', '/v1/events/tickets');
      const query = new URLSearchParams({ ticket });
      if (this.lastId !== null) query.set('after', this.lastId);
      if (this.levelsRoom) query.set('levels', this.levelsRoom);
      const source = new EventSource(`/v1/events?${query}`);
      this.source = source;
      source.onopen = () => this.onState(true);
      source.onerror = () => {
        // The browser would retry with the spent ticket; we retry with a new one instead.
        this.onState(false);
        this.closeSource();
        this.retryLater();
      };
      source.onmessage = () => {};
      source.addEventListener('levels', (m) => this.onLevels(JSON.parse(m.data)));
      for (const type of EVENT_TYPES) {
        source.addEventListener(type, (m) => {
          this.lastId = m.lastEventId;
          this.onEvent(JSON.parse(m.data));
        });
      }
    } catch (err) {
      this.onState(false);
      if (!(err instanceof ApiError && err.status === 401)) this.retryLater();
    }
  }

  retryLater() {
    if (this.closed || this.retry) return;
    this.retry = setTimeout(() => { this.retry = null; this.open(); }, 2000);
  }

  // Starts carrying another room's levels (or none): the stream is reopened where it was.
  watchLevels(room, onLevels) {
    this.onLevels = onLevels || (() => {});
    if (room === this.levelsRoom) return;
    this.levelsRoom = room;
    if (this.source || this.retry) this.open();
  }

  closeSource() {
    if (this.source) this.source.close();
    this.source = null;
  }

  close() {
    this.closed = true;
    clearTimeout(this.retry);
    this.closeSource();
  }
}

// Named SSE events are delivered only to listeners of their name.
const EVENT_TYPES = [
  'room.created', 'room.updated', 'room.deleted', 'room.started', 'room.ended',
  'participant.joined', 'participant.left', 'participant.moved', 'participant.muted',
  'participant.unmuted', 'participant.deafened', 'participant.undeafened', 'participant.held',
  'participant.resumed', 'participant.talking', 'participant.stopped_talking',
  'participant.dialout', 'participant.role_changed', 'playback.started', 'playback.finished',
  'room.meeting_started', 'room.waiting_for_moderator', 'participant.hand_raised',
  'participant.hand_lowered', 'recording.started', 'recording.stopped',
];
