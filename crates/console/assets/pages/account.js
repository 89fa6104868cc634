// My account: change my password and manage my own API tokens.

import { put, currentUser } from '../api.js';
import { h, field, clearErrors, showProblem, announce } from '../dom.js';
import { tokenManager } from './tokens.js';

export async function render(main) {
  const me = currentUser();
  const current = field({ label: 'Current password', name: 'current_password', type: 'password', autocomplete: 'current-password' });
  const next = field({ label: 'New password', name: 'password', type: 'password', autocomplete: 'new-password', hint: 'At least 8 characters, not your user name.' });
  const done = h('span', { class: 'saved', role: 'status' });
  const form = h('form', { novalidate: true }, h('h2', {}, 'Password'), current.wrap, next.wrap,
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Change password'), done));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(form);
    done.textContent = '';
    try {
      await put(`/v1/users/${encodeURIComponent(me.user)}/password`, { password: next.input.value, current_password: current.input.value });
      current.input.value = next.input.value = '';
      done.textContent = 'Password changed. Your other sessions are signed out.';
      announce('Password changed');
    } catch (err) { showProblem(form, err); }
  });
  main.append(h('p', {}, `Signed in as ${me.user} (${me.role}).`), form, h('section', {}, h('h2', {}, 'My API tokens'), tokenManager(me.user)));
}
