// The console's shell: sign-in, the section router (#/rooms, #/rooms/NAME, #/history) and the
// one event stream every view listens to.
import { api, session, EventFeed } from './api.js';
import { clear, say } from './dom.js';
import { signInView } from './signin.js';
import { roomsView } from './rooms.js';
import { roomView } from './room.js';
import { historyView } from './history.js';

const main = document.getElementById('main');
let feed = null;
let current = null;  // the view on screen: { onEvent, dispose }

function setSignedIn(role) {
  session.role = role;
  document.getElementById('nav').hidden = !role;
  document.getElementById('signout').hidden = !role;
  document.getElementById('who').textContent = role ? `signed in as ${role}` : '';
  document.body.dataset.role = role || '';
}

function signOut(reason) {
  const wasSignedIn = Boolean(session.role);
  session.token = null;
  setSignedIn(null);
  if (feed) feed.close();
  feed = null;
  if (reason) say(reason, true);
  if (wasSignedIn) route();  // on the sign-in form, the form itself shows why
}
session.onSignedOut = (detail) => signOut(detail ? `Signed out: ${detail}` : 'Signed out');

function showLive(up) {
  const live = document.getElementById('live');
  live.hidden = false;
  live.textContent = up ? 'live' : 'reconnecting…';
  live.className = up ? 'live' : 'live down';
}

function startFeed() {
  feed = new EventFeed((event) => current && current.onEvent && current.onEvent(event), showLive);
  feed.open();
}

async function route() {
  if (current && current.dispose) current.dispose();
  current = null;
  clear(main);
  if (!session.token) {
    setSignedIn(null);
    document.getElementById('live').hidden = true;
    signInView(main, async (token) => {
      session.token = token;
      const me = await api('GET', '/v1/me');  // throws (and signs out) on a bad token
      setSignedIn(me.role);
      startFeed();
      if (!location.hash || location.hash === '#/') location.hash = '#/rooms';
      else route();
    });
    return;
  }
  if (!session.role) {
    try {
      setSignedIn((await api('GET', '/v1/me')).role);
      startFeed();
    } catch {
      return;
    }
  }
  const [rawPath, query] = (location.hash.replace(/^#/, '') || '/rooms').split('?');
  const path = decodeURIComponent(rawPath);
  const params = new URLSearchParams(query || '');
  for (const link of document.querySelectorAll('#nav a')) {
    const active = path.startsWith(link.getAttribute('href').slice(1));
    if (active) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  if (path.startsWith('/rooms/')) current = roomView(main, path.slice('/rooms/'.length), feed);
  else if (path === '/history') current = historyView(main, params);
  else current = roomsView(main);
  main.focus({ preventScroll: true });
}

document.getElementById('signout').addEventListener('click', () => signOut('Signed out'));
window.addEventListener('hashchange', route);
route();
