// A user's API tokens: listed by label, made (the token is shown once) and revoked.

import { get, post, del } from '../api.js';
import { h, fill, field, when, clearErrors, showProblem, announce } from '../dom.js';

/** `onCount(n)` is told how many tokens there are whenever the list is read. */
export function tokenManager(user, onCount = () => {}) {
  const base = `/v1/users/${encodeURIComponent(user)}/tokens`;
  const list = h('ul', { class: 'tokens' });
  const shown = h('div', { class: 'new-token', role: 'status' });
  const label = field({ label: 'Label of a new token', name: 'label', maxlength: 64, hint: 'What will use it, e.g. "scanner" or "billing script".' });
  const form = h('form', { class: 'inline', novalidate: true }, label.wrap, h('button', { type: 'submit' }, 'Make a token'));
  const box = h('div', { class: 'token-manager' }, list, form, shown);
  async function refresh() {
    const tokens = await get(base);
    onCount(tokens.length);
    fill(list, tokens.length ? tokens.map((t) => {
      const revoke = h('button', { type: 'button', class: 'danger', 'aria-label': `Revoke token ${t.label || t.id}` }, 'Revoke');
      revoke.addEventListener('click', async () => {
        if (!confirm(`Revoke the token "${t.label || t.id}"? Whatever uses it stops working at once.`)) return;
        try { await del(`${base}/${t.id}`); announce('Token revoked'); refresh(); } catch (e) { alert(e.message); }
      });
      return h('li', {}, h('span', {}, t.label || `token ${t.id}`), h('span', { class: 'sub' }, ` made ${when(t.created_at)} `), revoke);
    }) : h('li', { class: 'sub' }, 'No tokens.'));
  }
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(form);
    try {
      const t = await post(base, { label: label.input.value.trim() });
      label.input.value = '';
      const code = h('code', { tabindex: 0 }, t.token);
      fill(shown, h('p', {}, 'The new token (shown only now; copy it):'), code);
      code.focus();
      refresh();
    } catch (err) {
      showProblem(form, err);
    }
  });
  refresh();
  return box;
}
