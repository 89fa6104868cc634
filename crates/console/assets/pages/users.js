// Users and tokens (administrators): who may use the server, their roles, passwords and API
// tokens.

import { get, post, put, del, currentUser } from '../api.js';
import { h, fill, field, when, clearErrors, showProblem, announce } from '../dom.js';
import { tokenManager } from './tokens.js';

export async function render(main) {
  const list = h('div', { class: 'users' });
  const name = field({ label: 'User name', name: 'name', maxlength: 64, autocomplete: 'off' });
  const role = field({ label: 'Role', name: 'role', type: 'select', value: 'user', options: [['user', 'User (own faxes)'], ['admin', 'Administrator']] });
  const password = field({ label: 'Password', name: 'password', type: 'password', autocomplete: 'new-password', hint: 'At least 8 characters. Leave empty for a token-only account.' });
  const add = h('form', { class: 'add-user', novalidate: true }, h('h2', {}, 'Add a user'),
    h('div', { class: 'grid' }, name.wrap, role.wrap, password.wrap), h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Add user')));
  main.append(list, add);
  async function refresh() {
    const users = await get('/v1/users');
    fill(list, users.map(userCard));
  }
  function userCard(u) {
    const me = currentUser().user === u.name;
    const pw = field({ label: `New password for ${u.name}`, name: 'password', type: 'password', autocomplete: 'new-password' });
    const pwForm = h('form', { class: 'inline', novalidate: true }, pw.wrap, h('button', { type: 'submit' }, u.has_password ? 'Change password' : 'Set password'));
    pwForm.addEventListener('submit', async (e) => {
      e.preventDefault();
      clearErrors(pwForm);
      try {
        await put(`/v1/users/${encodeURIComponent(u.name)}/password`, { password: pw.input.value });
        pw.input.value = '';
        announce(`Password of ${u.name} set`);
        refresh();
      } catch (err) { showProblem(pwForm, err); }
    });
    const remove = h('button', { type: 'button', class: 'danger', disabled: me }, 'Delete user');
    remove.addEventListener('click', async () => {
      if (!confirm(`Delete ${u.name}? Their tokens and sessions stop working; their faxes stay.`)) return;
      try { await del(`/v1/users/${encodeURIComponent(u.name)}`); announce(`${u.name} deleted`); refresh(); } catch (e) { alert(e.message); }
    });
    const summary = h('summary', {}, `API tokens (${u.tokens})`);
    const tokens = tokenManager(u.name, (n) => { summary.textContent = `API tokens (${n})`; });
    return h('section', { class: 'card user' },
      h('h2', {}, u.name, h('span', { class: 'sub' }, ` ${u.role}${me ? ' · you' : ''} · since ${when(u.created_at)} · ${u.has_password ? 'password set' : 'no password'}`)),
      pwForm,
      h('details', {}, summary, tokens),
      h('div', { class: 'actions' }, remove));
  }
  add.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(add);
    const body = { name: name.input.value.trim(), role: role.input.value };
    if (password.input.value) body.password = password.input.value;
    try {
      await post('/v1/users', body);
      name.input.value = password.input.value = '';
      announce('User added');
      refresh();
    } catch (err) { showProblem(add, err); }
  });
  await refresh();
}
