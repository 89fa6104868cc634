// Lines: each port's live FaxStatus (what it is doing, with whom, which page), and for
// administrators its settings (Send, Receive, Rings, CSID, TSID, priority) and its routing
// methods for received faxes.

import { get, patch, isAdmin } from '../api.js';
import { h, fill, field, words, when, clearErrors, showProblem, announce, wholeNumber } from '../dom.js';
import * as live from '../live.js';

export async function render(main) {
  const ports = await get('/v1/ports');
  const list = h('div', { class: 'lines' });
  main.append(list);
  const cards = new Map();
  for (const port of ports) {
    const status = await get(`/v1/ports/${encodeURIComponent(port.device_id)}/status`).catch(() => null);
    const c = lineCard(port, status);
    cards.set(port.device_id, c);
    list.append(c.el);
  }
  const stops = [
    live.on('port_status', (ev) => cards.get(ev.status.device_id)?.showStatus(ev.status)),
    live.on('port', (ev) => cards.get(ev.port.device_id)?.showPort(ev.port)),
  ];
  return () => stops.forEach((s) => s());
}

function lineCard(port, status) {
  const title = h('h2', {});
  const statusBox = h('dl', { class: 'status' });
  const el = h('section', { class: 'line card', 'aria-labelledby': `line-${port.device_id}` }, title, statusBox);
  title.id = `line-${port.device_id}`;
  const showPort = (p) => {
    port = p;
    const id = p.name && p.name !== p.device_id ? `${p.device_id} · ` : '';
    fill(title, p.name || p.device_id, h('span', { class: 'sub' }, ` ${id}${p.driver} · ${p.send ? 'sends' : 'does not send'}, ${p.receive ? 'receives' : 'does not receive'}`));
  };
  const showStatus = (s) => {
    if (!s) return;
    const rows = [
      ['State', h('strong', { class: `device ${s.device_status}` }, words(s.device_status))],
      ['Now', s.description || '—'],
      s.current_page ? ['Page', `${s.current_page}${s.page_count ? ` of ${s.page_count}` : ''}`] : null,
      s.mode ? ['Mode', s.mode] : null,
      s.caller_id ? ['Caller', s.caller_id] : null,
      s.address ? ['Number', s.address] : null,
      s.job_id ? ['Job', String(s.job_id)] : null,
      s.start_time ? ['Since', when(s.start_time)] : null,
      s.line ? ['Line', s.line] : null,
    ].filter(Boolean);
    fill(statusBox, rows.map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
  };
  showPort(port);
  showStatus(status);
  if (isAdmin()) {
    el.append(settingsForm(port, showPort), routingEditor(port));
  }
  return { el, showStatus, showPort };
}

function settingsForm(port, showPort) {
  const f = {
    send: field({ label: 'Send faxes', name: 'send', type: 'checkbox', value: port.send }),
    receive: field({ label: 'Receive faxes', name: 'receive', type: 'checkbox', value: port.receive }),
    rings: field({ label: 'Rings before answering', name: 'rings', type: 'number', min: 1, max: 99, value: port.rings }),
    csid: field({ label: 'Answering identity (CSID)', name: 'csid', value: port.csid, maxlength: 64, hint: 'Up to 20 characters: digits, spaces and +.' }),
    tsid: field({ label: 'Sending identity (TSID)', name: 'tsid', value: port.tsid, maxlength: 64, hint: 'Up to 20 characters: digits, spaces and +.' }),
    priority: field({ label: 'Priority (1 is used first)', name: 'priority', type: 'number', min: 1, value: port.priority }),
  };
  const saved = h('span', { class: 'saved', role: 'status' });
  const form = h('form', { class: 'port-settings', novalidate: true },
    h('h3', {}, 'Settings'), h('div', { class: 'grid' }, Object.values(f).map((x) => x.wrap)),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Save line settings'), saved));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(form);
    saved.textContent = '';
    const body = {};
    const rings = wholeNumber(form, 'rings');
    const priority = rings === null ? null : wholeNumber(form, 'priority');
    if (rings === null || priority === null) return;
    const now = {
      send: f.send.input.checked, receive: f.receive.input.checked, rings,
      csid: f.csid.input.value, tsid: f.tsid.input.value, priority,
    };
    for (const [k, v] of Object.entries(now)) if (v !== port[k]) body[k] = v;
    if (!Object.keys(body).length) { saved.textContent = 'Nothing changed.'; return; }
    try {
      const p = await patch(`/v1/ports/${encodeURIComponent(port.device_id)}`, body);
      port = p;
      showPort(p);
      saved.textContent = 'Saved.';
      announce('Line settings saved');
    } catch (err) {
      showProblem(form, err);
    }
  });
  return form;
}

/** What each method's RoutingData looks like. */
const ROUTING_DATA = {
  store_in_folder: 'An absolute folder, e.g. /srv/faxes.',
  email: 'Addresses, comma-separated, then |pdf, |tiff or |both (default pdf).',
  print: 'A printer name (empty: the default printer), then |pdf or |tiff.',
  webhook: 'https://receiver.example.com/fax|a secret of 16 or more characters.',
};

function routingEditor(port) {
  const box = h('details', { class: 'routing' }, h('summary', {}, 'Routing of received faxes'));
  let loaded = false;
  box.addEventListener('toggle', async () => {
    if (!box.open || loaded) return;
    loaded = true;
    const methods = await get(`/v1/ports/${encodeURIComponent(port.device_id)}/routing`);
    const form = h('form', { novalidate: true });
    const entries = methods.map((m) => {
      const enable = field({ label: `${m.friendly_name}`, name: `${m.function_name}.enable`, type: 'checkbox', value: m.enable,
        hint: m.available ? null : `Unavailable: ${m.unavailable_reason}` });
      const data = field({ label: `${m.friendly_name}: routing data`, name: 'routing_data', value: m.routing_data, maxlength: 1024,
        hint: ROUTING_DATA[m.function_name] });
      data.wrap.dataset.field = `${m.function_name}.routing_data`;
      return { m, enable, data };
    });
    const saved = h('span', { class: 'saved', role: 'status' });
    fill(form, entries.map((e) => h('fieldset', {}, h('legend', {}, e.m.friendly_name), e.enable.wrap, e.data.wrap)),
      h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Save routing'), saved));
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      clearErrors(form);
      saved.textContent = '';
      const body = entries.map((e) => ({ method: e.m.function_name, enable: e.enable.input.checked, routing_data: e.data.input.value }));
      try {
        await patch(`/v1/ports/${encodeURIComponent(port.device_id)}/routing`, body);
        saved.textContent = 'Saved.';
      } catch (err) {
        // The API names the method's routing data when it refuses it.
        showProblem(form, err);
      }
    });
    box.append(form);
  });
  return box;
}
