// The console's frame: sign-in, the navigation, and the page router (#/outbox, #/send, …).
// Each page module exports `render(main)` and may return a function that stops its updates.

import { api, setSession, currentUser, isAdmin, whenSignedOut } from './api.js';
import { h, fill, announce, field, clearErrors, fieldError, showProblem } from './dom.js';
import * as live from './live.js';

const PAGES = [
  { path: 'outbox', title: 'Outbox', load: () => import('./pages/outbox.js') },
  { path: 'sent', title: 'Sent', load: () => import('./pages/sent.js') },
  { path: 'inbox', title: 'Inbox', load: () => import('./pages/inbox.js') },
  { path: 'send', title: 'Send a fax', nav: 'Send', load: () => import('./pages/send.js') },
  { path: 'lines', title: 'Lines', load: () => import('./pages/lines.js') },
  { path: 'settings', title: 'Server settings', nav: 'Settings', admin: true, load: () => import('./pages/settings.js') },
  { path: 'users', title: 'Users and tokens', nav: 'Users', admin: true, load: () => import('./pages/users.js') },
  { path: 'account', title: 'My account', nav: 'Account', load: () => import('./pages/account.js') },
];

const app = document.getElementById('app');
let stopPage = null;

async function start() {
  whenSignedOut(() => signIn('Your session has ended: sign in again.'));
  try {
    setSession(await api('GET', '/v1/session'));
  } catch (e) {
    return signIn(e.status === 401 ? '' : e.message);
  }
  shell();
}

function signIn(message) {
  if (stopPage) { stopPage(); stopPage = null; }
  live.disconnect();
  setSession(null);
  document.title = 'Sign in · ferrofax';
  const user = field({ label: 'User name', name: 'user', autocomplete: 'username', required: true });
  const password = field({ label: 'Password', name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const token = field({ label: 'API token', name: 'token', type: 'password', autocomplete: 'off', hint: 'A token made with `faxd user add` or on the Users page (ffx_…).' });
  token.wrap.hidden = true;
  let byToken = false;
  const toggle = h('button', { type: 'button', class: 'link' }, 'Sign in with an API token instead');
  toggle.addEventListener('click', () => {
    byToken = !byToken;
    user.wrap.hidden = password.wrap.hidden = byToken;
    token.wrap.hidden = !byToken;
    user.input.required = password.input.required = !byToken;
    token.input.required = byToken;
    toggle.textContent = byToken ? 'Sign in with a user name and password instead' : 'Sign in with an API token instead';
    (byToken ? token : user).input.focus();
  });
  const form = h('form', { class: 'signin', novalidate: true },
    h('h1', {}, 'ferrofax'),
    h('p', { class: 'lead' }, 'Sign in to the fax server.'),
    message ? h('p', { class: 'form-error', role: 'alert' }, message) : null,
    user.wrap, password.wrap, token.wrap,
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Sign in'), toggle));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(form);
    // What is missing is said here; the server would only say the sign-in is wrong.
    const missing = byToken ? [[token, 'token', 'enter your API token']]
      : [[user, 'user', 'enter your user name'], [password, 'password', 'enter your password']];
    const empty = missing.find(([f]) => !f.input.value.trim());
    if (empty) { fieldError(form, empty[1], empty[2]); return; }
    const body = byToken ? { token: token.input.value.trim() } : { user: user.input.value.trim(), password: password.input.value };
    try {
      setSession(await api('POST', '/v1/session', body));
      password.input.value = token.input.value = '';
      shell();
    } catch (err) {
      showProblem(form, err);
    }
  });
  fill(app, h('main', { id: 'main', class: 'signin-page' }, form));
  user.input.focus();
}

function shell() {
  const me = currentUser();
  const nav = h('nav', { 'aria-label': 'Console' },
    h('ul', {}, PAGES.filter((p) => !p.admin || isAdmin()).map((p) =>
      h('li', {}, h('a', { href: `#/${p.path}`, dataset: { page: p.path } }, p.nav || p.title)))));
  const status = h('span', { class: 'live-state', role: 'status' });
  const signOut = h('button', { type: 'button', class: 'link' }, 'Sign out');
  signOut.addEventListener('click', async () => {
    try { await api('DELETE', '/v1/session'); } catch { /* signed out either way */ }
    signIn('You are signed out.');
  });
  const main = h('main', { id: 'main', tabindex: '-1' });
  fill(app,
    h('header', { class: 'top' },
      h('a', { class: 'brand', href: '#/outbox' }, 'ferrofax'),
      nav,
      h('div', { class: 'who' }, status, h('span', {}, `${me.user} (${me.role})`), signOut)),
    main);
  live.onState((s) => {
    status.textContent = s === 'live' ? '● live' : s === 'reconnecting' ? '○ reconnecting…' : '';
    status.className = `live-state ${s}`;
  });
  live.connect();
  window.onhashchange = () => route(main, nav);
  route(main, nav);
}

async function route(main, nav) {
  const path = (location.hash.replace(/^#\/?/, '').split('?')[0] || 'outbox');
  const page = PAGES.find((p) => p.path === path);
  if (stopPage) { stopPage(); stopPage = null; }
  for (const a of nav.querySelectorAll('a')) {
    if (a.dataset.page === path) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  if (!page || (page.admin && !isAdmin())) {
    document.title = 'Not available · ferrofax';
    fill(main, h('h1', {}, 'Not available'),
      h('p', {}, page ? 'This page is for administrators.' : 'There is no such page.'),
      h('p', {}, h('a', { href: '#/outbox' }, 'Go to the outbox')));
    main.focus();
    return;
  }
  document.title = `${page.title} · ferrofax`;
  fill(main, h('h1', {}, page.title), h('p', { class: 'loading' }, 'Loading…'));
  try {
    const mod = await page.load();
    const heading = h('h1', {}, page.title);
    fill(main, heading);
    stopPage = (await mod.render(main)) || null;
  } catch (e) {
    fill(main, h('h1', {}, page.title), h('p', { class: 'form-error', role: 'alert' }, e.message || String(e)));
  }
  main.focus();
  announce(`${page.title} page`);
}

start();
