// Sent: faxes whose sending has ended (completed, failed, cancelled), newest first, with
// search, page thumbnails, the page viewer and downloads as PDF or TIFF.

import { get, isAdmin } from '../api.js';
import { h, when, words } from '../dom.js';
import * as live from '../live.js';
import { thumbnail, downloads, searchBox, pagedList } from './common.js';

const ENDED = ['completed', 'failed', 'retries_exceeded', 'canceled'];

export async function render(main) {
  let q = '';
  const area = h('div');
  main.append(searchBox('Search sent faxes (number, name, identity)', (text) => { q = text; load(true); }), area);
  const load = pagedList(area, async (after) => {
    const params = new URLSearchParams({ type: 'send', state: ENDED.join(','), limit: '25' });
    if (after) params.set('after', after);
    if (q) params.set('q', q);
    const r = await get(`/v1/jobs?${params}`);
    return { items: r.jobs, next: r.next_after };
  }, card, () => (q ? `No sent fax matches “${q}”.` : 'No sent faxes yet.'));
  await load(true);
  // A fax that ends while the page is open appears at the top.
  return live.on('job', (ev) => {
    if (ev.job.type === 'send' && ENDED.includes(ev.job.queue_status) && !q) {
      const list = area.querySelector('ul.cards');
      list.querySelector(`[data-job="${ev.job.job_id}"]`)?.remove();
      list.prepend(card(ev.job));
      area.querySelector('.empty').hidden = true;
    }
  });
}

function card(job) {
  const label = `fax ${job.job_id} to ${job.fax_number}`;
  return h('li', { class: 'card', dataset: { job: job.job_id } },
    thumbnail(job.job_id, job.page_count, label),
    h('div', { class: 'card-body' },
      h('h2', {}, job.recipient_name ? `${job.recipient_name} · ${job.fax_number}` : job.fax_number),
      h('p', {}, h('strong', { class: `state ${job.queue_status}` }, words(job.queue_status)),
        ` · ${job.page_count} page${job.page_count === 1 ? '' : 's'}`,
        farEnd(job),
        isAdmin() ? ` · by ${job.user_name}` : ''),
      job.detail && job.queue_status !== 'completed' ? h('p', { class: 'sub' }, job.detail) : null,
      h('p', { class: 'sub' }, `Submitted ${when(job.submitted_at)}`, job.finished_at ? ` · ended ${when(job.finished_at)}` : ''),
      downloads(`/v1/jobs/${job.job_id}/document`, job.job_id)));
}

/** Who the far end was: "received by" only for a fax delivered whole; a fax that ended
 *  otherwise was only answered there (some pages may have been confirmed). */
function farEnd(job) {
  if (!job.remote_ident) return '';
  if (job.queue_status === 'completed') return ` · received by ${job.remote_ident}`;
  if (job.pages_confirmed > 0) return ` · answered by ${job.remote_ident} (${job.pages_confirmed} of ${job.page_count} confirmed)`;
  return ` · answered by ${job.remote_ident}`;
}
