// Server settings (administrators): every FaxServer property, saved together; the server
// checks each value and its message is shown next to the field it names.

import { get, patch } from '../api.js';
import { h, field, clearErrors, showProblem, announce, wholeNumber } from '../dom.js';
import * as live from '../live.js';

const FIELDS = [
  ['Sending', [
    ['retries', 'Retries', 'number', { min: 0, max: 100, hint: 'Further attempts after a failed one (0–100).' }],
    ['retry_delay', 'Retry delay (minutes)', 'number', { min: 0, max: 10080, hint: 'Up to a week (10080).' }],
    ['pause_server_queue', 'Pause the queue (nothing is sent)', 'checkbox'],
    ['use_device_tsid', 'Send each line\'s own TSID (not the sender\'s)', 'checkbox'],
    ['branding', 'Brand pages (date, sender and page number at the top)', 'checkbox'],
  ]],
  ['Discount-rate window', [
    ['discount_rate_start_hour', 'Starts: hour', 'number', { min: 0, max: 23 }],
    ['discount_rate_start_minute', 'Starts: minute', 'number', { min: 0, max: 59 }],
    ['discount_rate_end_hour', 'Ends: hour', 'number', { min: 0, max: 23 }],
    ['discount_rate_end_minute', 'Ends: minute', 'number', { min: 0, max: 59 }],
  ]],
  ['Cover pages and mail', [
    ['server_coverpage', 'Only the server\'s common cover pages may be sent', 'checkbox'],
    ['server_mapi_profile', 'Mail profile for routing and reports', 'text', { hint: 'The name of an SMTP profile in faxd\'s configuration; empty for none.' }],
  ]],
  ['Archive and clean-up', [
    ['archive_outbound_faxes', 'Archive sent faxes', 'checkbox'],
    ['archive_directory', 'Archive folder', 'text'],
    ['dirty_days', 'Delete ended jobs after (days)', 'number', { min: 0, max: 3650, hint: '0 keeps them.' }],
  ]],
];

export async function render(main) {
  let current = await get('/v1/server');
  const inputs = {};
  const saved = h('span', { class: 'saved', role: 'status' });
  const changed = h('p', { class: 'notice', hidden: true, role: 'status' }, 'Another administrator changed the settings: the form shows their values where you had not edited.');
  const form = h('form', { class: 'settings', novalidate: true },
    FIELDS.map(([legend, list]) => h('fieldset', {}, h('legend', {}, legend), h('div', { class: 'grid' }, list.map(([name, label, type, opts]) => {
      const f = field({ label, name, type, value: current[name], ...(opts || {}) });
      inputs[name] = f.input;
      return f.wrap;
    })))),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Save settings'), saved));
  main.append(changed, form);
  const read = (name) => (inputs[name].type === 'checkbox' ? inputs[name].checked : inputs[name].type === 'number' ? Number(inputs[name].value) : inputs[name].value);
  const edited = new Set();
  form.addEventListener('input', (e) => { if (e.target.name) edited.add(e.target.name); saved.textContent = ''; });
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(form);
    const body = {};
    for (const name of Object.keys(inputs)) {
      if (inputs[name].type === 'number' && wholeNumber(form, name) === null) return;
      if (read(name) !== current[name]) body[name] = read(name);
    }
    if (!Object.keys(body).length) { saved.textContent = 'Nothing changed.'; return; }
    try {
      current = await patch('/v1/server', body);
      edited.clear();
      saved.textContent = 'Saved.';
      announce('Settings saved');
    } catch (err) {
      showProblem(form, err);
    }
  });
  return live.on('server', (ev) => {
    const s = ev.settings;
    let other = false;
    for (const name of Object.keys(inputs)) {
      if (s[name] !== current[name] && !edited.has(name)) {
        other = true;
        if (inputs[name].type === 'checkbox') inputs[name].checked = s[name]; else inputs[name].value = s[name];
      }
    }
    current = s;
    changed.hidden = !other;
  });
}
