// Send a fax: recipients, the document (dropped or chosen), a cover page from the server's
// templates, sender details and delivery options; the pages as they will be sent are
// previewed before sending, and an error from the server is shown next to its field with the
// form kept as it was.

import { get, post } from '../api.js';
import { h, fill, field, clearErrors, showProblem, announce } from '../dom.js';

let draft = null; // what the form held when the page was left (kept for this visit)

export async function render(main) {
  let timer = null; // the automatic preview's wait
  const templates = await get('/v1/coverpages').catch(() => []);
  const settings = await get('/v1/server').catch(() => ({}));
  const form = h('form', { class: 'send', novalidate: true });
  const recipients = h('div', { class: 'recipients' });
  const addRecipient = h('button', { type: 'button' }, 'Add a recipient');

  const rows = [];
  function recipientRow(value) {
    const i = rows.length;
    const number = field({ label: 'Fax number', name: `recipients[${i}].fax_number`, value: value?.fax_number, inputmode: 'tel', autocomplete: 'tel', maxlength: 64 });
    const name = field({ label: 'Name', name: `recipients[${i}].recipient_name`, value: value?.recipient_name, maxlength: 128 });
    const company = field({ label: 'Company', name: `recipients[${i}].recipient_company`, value: value?.recipient_company, maxlength: 128 });
    const remove = h('button', { type: 'button', class: 'link', 'aria-label': `Remove recipient ${i + 1}` }, 'Remove');
    const row = h('fieldset', { class: 'recipient' }, h('legend', {}, `Recipient ${i + 1}`), number.wrap, name.wrap, company.wrap, remove);
    const entry = { row, number, name, company };
    remove.addEventListener('click', () => {
      if (rows.length === 1) { number.input.value = name.input.value = company.input.value = ''; return; }
      const values = rows.filter((r) => r !== entry).map(valuesOf);
      rows.length = 0;
      recipients.replaceChildren();
      values.forEach((v) => recipientRow(v));
      rows[0].number.input.focus();
    });
    rows.push(entry);
    recipients.append(row);
    return entry;
  }
  const valuesOf = (r) => ({ fax_number: r.number.input.value.trim(), recipient_name: r.name.input.value.trim(), recipient_company: r.company.input.value.trim() });
  addRecipient.addEventListener('click', () => recipientRow().number.input.focus());

  // The document: a drop zone that is also a file chooser.
  let file = null;
  const fileInput = h('input', { type: 'file', id: 'document-file', name: 'document', class: 'visually-hidden', 'aria-describedby': 'document-hint document-error' });
  const chosen = h('span', { class: 'chosen' }, 'No document chosen');
  const drop = h('div', { class: 'drop', dataset: { field: 'document' } },
    h('label', { for: 'document-file' }, h('strong', {}, 'Document'), h('span', { class: 'drop-text' }, 'Drop a file here or choose one')),
    fileInput, chosen,
    h('p', { class: 'hint', id: 'document-hint' }, 'PDF, PostScript, TIFF, PNG, JPEG, GIF, BMP, WebP or plain text.'),
    h('p', { class: 'field-error', id: 'document-error', hidden: true }));
  const setFile = (f) => {
    file = f;
    chosen.textContent = f ? `${f.name} (${Math.max(1, Math.round(f.size / 1024))} KB)` : 'No document chosen';
    if (f) schedulePreview();
  };
  fileInput.addEventListener('change', () => setFile(fileInput.files[0] || null));
  drop.addEventListener('dragover', (e) => { e.preventDefault(); drop.classList.add('over'); });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.classList.remove('over');
    const files = [...(e.dataTransfer?.files || [])];
    if (files.length > 1) announce('One document per fax: the first one is used.');
    if (files[0]) setFile(files[0]);
  });

  // Cover page.
  const cover = field({ label: 'Send a cover page', name: 'send_coverpage', type: 'checkbox', value: false });
  const template = field({ label: 'Template', name: 'coverpage_name', type: 'select',
    options: templates.map((t) => [t.name, t.name]), value: templates[0]?.name });
  const subject = field({ label: 'Subject', name: 'coverpage_subject', maxlength: 256 });
  const note = field({ label: 'Note', name: 'coverpage_note', type: 'textarea', maxlength: 4000 });
  const coverFields = h('div', { class: 'cover-fields' }, template.wrap, subject.wrap, note.wrap);
  const syncCover = () => { coverFields.hidden = !cover.input.checked; };
  cover.input.addEventListener('change', () => { syncCover(); schedulePreview(); });
  if (!templates.length) cover.wrap.append(h('p', { class: 'hint' }, 'The server has no common cover pages.'));

  const sender = field({ label: 'Your name', name: 'sender_name', maxlength: 128 });
  const senderCompany = field({ label: 'Your company', name: 'sender_company', maxlength: 128 });
  const senderFax = field({ label: 'Your fax number', name: 'sender_fax', maxlength: 64, inputmode: 'tel' });
  const tsid = field({ label: 'Sending identity (TSID)', name: 'tsid', maxlength: 64, hint: settings.use_device_tsid ? 'The server uses each line\'s TSID; this is ignored.' : 'Up to 20 digits, spaces and +.' });
  const billing = field({ label: 'Billing code', name: 'billing_code', maxlength: 128 });
  const email = field({ label: 'E-mail a delivery report to', name: 'email_address', type: 'email', maxlength: 254, autocomplete: 'email' });
  const discount = field({ label: 'Send in the discount-rate window', name: 'discount_send', type: 'checkbox', value: false,
    hint: `The server's window: ${pad(settings.discount_rate_start_hour)}:${pad(settings.discount_rate_start_minute)}–${pad(settings.discount_rate_end_hour)}:${pad(settings.discount_rate_end_minute)}.` });
  const priority = field({ label: 'Priority', name: 'priority', type: 'select', value: 'normal', options: [['low', 'Low'], ['normal', 'Normal'], ['high', 'High']] });

  const preview = h('section', { class: 'preview', 'aria-label': 'Preview of the pages' });
  const previewButton = h('button', { type: 'button' }, 'Preview pages');
  const sendButton = h('button', { type: 'submit', class: 'primary' }, 'Send');
  const result = h('div', { class: 'result', role: 'status' });

  fill(form,
    h('section', {}, h('h2', {}, 'To'), recipients, addRecipient),
    h('section', {}, h('h2', {}, 'What'), drop, cover.wrap, coverFields),
    h('details', {}, h('summary', {}, 'Sender and options'),
      h('div', { class: 'grid' }, sender.wrap, senderCompany.wrap, senderFax.wrap, tsid.wrap, billing.wrap, email.wrap, priority.wrap, discount.wrap)),
    h('div', { class: 'actions' }, previewButton, sendButton),
    result, preview);
  main.append(form);

  const all = [cover, template, subject, note, sender, senderCompany, senderFax, tsid, billing, email, discount, priority];
  // Back from another page: the form as it was.
  if (draft) {
    (draft.recipients.length ? draft.recipients : [{}]).forEach((r) => recipientRow(r));
    for (const f of all) {
      const v = draft.values[f.input.name];
      if (f.input.type === 'checkbox') f.input.checked = !!v; else if (v !== undefined) f.input.value = v;
    }
    if (draft.file) setFile(draft.file);
  } else {
    recipientRow();
  }
  syncCover();

  // Each form state gets one key, so a second click or a retry after a lost answer never
  // sends twice.
  let key = crypto.randomUUID();
  form.addEventListener('input', () => { key = crypto.randomUUID(); });

  function description() {
    const d = { recipients: rows.map(valuesOf) };
    for (const f of [sender, senderCompany, senderFax, tsid, billing, email]) if (f.input.value.trim()) d[f.input.name] = f.input.value.trim();
    d.discount_send = discount.input.checked;
    d.priority = priority.input.value;
    if (cover.input.checked) {
      Object.assign(d, { send_coverpage: true, server_coverpage: true, coverpage_name: template.input.value,
        coverpage_subject: subject.input.value, coverpage_note: note.input.value });
    }
    return d;
  }
  function body() {
    const fd = new FormData();
    fd.append('fax', new Blob([JSON.stringify(description())], { type: 'application/json' }));
    if (file) fd.append('document', file, file.name);
    return fd;
  }

  function schedulePreview() {
    clearTimeout(timer);
    timer = setTimeout(() => { if (file) showPreview(false); }, 400);
  }
  async function showPreview(explicit) {
    if (!file) {
      clearErrors(form);
      showProblem(form, { problem: { detail: 'choose the document to send first', field: 'document' } });
      return;
    }
    fill(preview, h('p', { class: 'loading' }, 'Drawing the pages…'));
    try {
      const p = await post('/v1/previews', body());
      if (explicit) clearErrors(form);
      fill(preview,
        h('h2', {}, `${p.page_count} page${p.page_count === 1 ? '' : 's'} will be sent`, p.cover_pages ? ' (cover page included)' : ''),
        h('ol', { class: 'pages' }, p.pages.map((pg) => h('li', {},
          h('img', { src: pg.png, alt: `${pg.cover ? 'Cover page' : `Page ${pg.number}`} as it will be sent`, width: 200 }),
          h('span', {}, pg.cover ? 'Cover' : `Page ${pg.number}`)))),
        p.pages.length < p.page_count ? h('p', { class: 'hint' }, `The first ${p.pages.length} pages are shown.`) : null);
      announce(`Preview: ${p.page_count} pages`);
    } catch (e) {
      preview.replaceChildren();
      // Only a preview the user asked for reports problems with fields other than the
      // document; the automatic one says what it waits for instead.
      if (explicit || e.problem?.field === 'document') { clearErrors(form); showProblem(form, e); }
      else fill(preview, h('p', { class: 'hint' }, `The pages are previewed once the form is complete: ${e.message}`));
    }
  }
  previewButton.addEventListener('click', () => showPreview(true));

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(form);
    result.replaceChildren();
    if (!file) return showProblem(form, { problem: { detail: 'choose the document to send', field: 'document' } });
    sendButton.disabled = true;
    try {
      const r = await post('/v1/jobs', body(), { 'Idempotency-Key': key });
      fill(result, h('p', { class: 'ok' }, `Queued: ${r.job_ids.length} fax${r.job_ids.length === 1 ? '' : 'es'} of ${r.page_count} page${r.page_count === 1 ? '' : 's'} (job ${r.job_ids.join(', ')}). `,
        h('a', { href: '#/outbox' }, 'Watch it in the outbox'), '.'));
      announce('The fax is queued');
      // Ready for the next fax: the sender's details stay, the rest is cleared.
      rows.length = 0;
      recipients.replaceChildren();
      recipientRow();
      fileInput.value = '';
      setFile(null);
      cover.input.checked = false;
      subject.input.value = note.input.value = '';
      syncCover();
      preview.replaceChildren();
      draft = null;
      key = crypto.randomUUID();
    } catch (err) {
      showProblem(form, err);
    } finally {
      sendButton.disabled = false;
    }
  });

  return () => {
    clearTimeout(timer);
    const values = {};
    for (const f of all) values[f.input.name] = f.input.type === 'checkbox' ? f.input.checked : f.input.value;
    draft = { recipients: rows.map(valuesOf), values, file };
  };
}

function pad(n) { return String(n ?? 0).padStart(2, '0'); }
