// The outbox: faxes waiting or being sent, live from the server's events — state, line, page
// progress, retries left, next attempt — with the commands each job allows now.

import { get, post, del, isAdmin } from '../api.js';
import { h, when, words, announce } from '../dom.js';
import * as live from '../live.js';

const ACTIVE = ['pending', 'in_progress', 'retrying', 'deleting'];
const COMMANDS = [
  ['pause', 'Pause'], ['resume', 'Resume'], ['restart', 'Restart'], ['cancel', 'Cancel'], ['delete', 'Delete'],
];

export async function render(main) {
  const body = h('tbody');
  const table = h('table', { class: 'jobs' },
    h('caption', { class: 'visually-hidden' }, 'Faxes in the outbox'),
    h('thead', {}, h('tr', {},
      ['Job', 'To', 'State', 'Line', 'Progress', 'Retries left', 'Next attempt', 'Submitted', isAdmin() ? 'Owner' : null, 'Actions']
        .filter(Boolean).map((t) => h('th', { scope: 'col' }, t)))),
    body);
  const empty = h('p', { class: 'empty' }, 'The outbox is empty. ', h('a', { href: '#/send' }, 'Send a fax'), '.');
  const paused = h('p', { class: 'notice', hidden: true, role: 'status' }, 'The server queue is paused: nothing is sent until an administrator resumes it.');
  main.append(paused, empty, h('div', { class: 'table-wrap' }, table));

  const rows = new Map();
  const show = () => { empty.hidden = rows.size > 0; table.hidden = rows.size === 0; };
  const upsert = (job, fresh) => {
    if (job.type !== 'send') return;
    const old = rows.get(job.job_id);
    if (!old && !fresh && !ACTIVE.includes(job.queue_status)) return;
    const row = jobRow(job);
    if (old) old.replaceWith(row); else body.prepend(row);
    rows.set(job.job_id, row);
    if (old && old.dataset.state !== job.queue_status && !ACTIVE.includes(job.queue_status)) {
      announce(`Job ${job.job_id} to ${job.fax_number}: ${job.status_text || words(job.queue_status)}`);
    }
    show();
  };

  const [list, settings] = await Promise.all([
    get(`/v1/jobs?type=send&state=${ACTIVE.join(',')}&limit=500`),
    get('/v1/server').catch(() => null),
  ]);
  for (const job of list.jobs.slice().reverse()) upsert(job, true);
  paused.hidden = !(settings && settings.pause_server_queue);
  show();

  const stops = [
    live.on('job', (ev) => upsert(ev.job, false)),
    live.on('job_removed', (ev) => {
      const row = rows.get(ev.job_id);
      if (row) { row.remove(); rows.delete(ev.job_id); show(); }
    }),
    live.on('server', (ev) => { paused.hidden = !ev.settings.pause_server_queue; }),
  ];
  return () => stops.forEach((s) => s());
}

function progress(job) {
  if (job.queue_status === 'in_progress' && job.current_page > 0) {
    return h('span', { class: 'progress' },
      h('progress', { max: job.page_count, value: Math.max(0, job.current_page - 0.5), 'aria-label': `Job ${job.job_id} progress` }),
      ` page ${job.current_page}/${job.page_count}`);
  }
  if (job.queue_status === 'completed') return `${job.page_count}/${job.page_count} pages`;
  return `${job.pages_confirmed || 0}/${job.page_count} pages`;
}

/** When a waiting job is tried next: after a failed attempt, or later (the discount window);
 *  a job held by the paused queue has no time. */
function nextAttempt(job) {
  const at = job.next_attempt_at && new Date(job.next_attempt_at);
  const waiting = job.queue_status === 'retrying' || (job.queue_status === 'pending' && at > Date.now());
  if (!at) return job.waits_for ? 'when the queue is resumed' : '—';
  return waiting ? when(job.next_attempt_at) : '—';
}

function state(job) {
  const parts = [h('strong', { class: `state ${job.queue_status}` }, job.paused ? 'Paused' : words(job.queue_status))];
  if (job.queue_status === 'in_progress' && job.device_status) parts.push(h('span', { class: 'sub' }, words(job.device_status)));
  if (job.waits_for) parts.push(h('span', { class: 'sub' }, `Waits for ${job.waits_for}`));
  if (job.detail && job.queue_status !== 'completed') parts.push(h('span', { class: 'sub' }, job.detail));
  return parts;
}

function jobRow(job) {
  const who = [job.fax_number, job.recipient_name ? h('span', { class: 'sub' }, job.recipient_name) : null];
  const actions = h('td', { class: 'actions' }, COMMANDS.filter(([c]) => job.allowed_operations.includes(c)).map(([c, label]) => {
    const b = h('button', { type: 'button', 'aria-label': `${label} job ${job.job_id}`, class: c === 'cancel' || c === 'delete' ? 'danger' : '' }, label);
    b.addEventListener('click', async () => {
      if ((c === 'cancel' || c === 'delete') && !confirm(`${label} the fax to ${job.fax_number}?`)) return;
      b.disabled = true;
      try {
        if (c === 'delete') await del(`/v1/jobs/${job.job_id}`);
        else await post(`/v1/jobs/${job.job_id}/${c}`);
      } catch (e) {
        alert(e.message);
        b.disabled = false;
      }
    });
    return b;
  }));
  const done = !ACTIVE.includes(job.queue_status);
  return h('tr', { dataset: { job: job.job_id, state: job.queue_status } },
    h('th', { scope: 'row', 'data-label': 'Job' }, String(job.job_id)),
    h('td', { 'data-label': 'To' }, who),
    h('td', { 'data-label': 'State', class: 'state-cell' }, state(job), done ? h('a', { class: 'sub', href: '#/sent' }, 'in Sent') : null),
    h('td', { 'data-label': 'Line' }, job.port || '—'),
    h('td', { 'data-label': 'Progress' }, progress(job)),
    h('td', { 'data-label': 'Retries left' }, String(job.retries_left)),
    h('td', { 'data-label': 'Next attempt' }, nextAttempt(job)),
    h('td', { 'data-label': 'Submitted' }, when(job.submitted_at)),
    isAdmin() ? h('td', { 'data-label': 'Owner' }, job.user_name) : null,
    actions);
}
