// Inbox: received faxes, newest first, live, with search, page thumbnails, the page viewer
// and downloads as PDF or TIFF.

import { get } from '../api.js';
import { h, when, words } from '../dom.js';
import * as live from '../live.js';
import { thumbnail, downloads, searchBox, pagedList } from './common.js';

export async function render(main) {
  let q = '';
  const area = h('div');
  main.append(searchBox('Search received faxes (sender identity, caller, number called)', (text) => { q = text; load(true); }), area);
  const load = pagedList(area, async (after) => {
    const params = new URLSearchParams({ limit: '25' });
    if (after) params.set('after', after);
    if (q) params.set('q', q);
    const items = await get(`/v1/inbox?${params}`);
    return { items, next: items.length === 25 ? items[items.length - 1].job_id : null };
  }, card, () => (q ? `No received fax matches “${q}”.` : 'No faxes received yet.'));
  await load(true);
  return live.on('job', (ev) => {
    const j = ev.job;
    if ((j.type === 'receive' || j.type === 'fail_receive') && j.queue_status !== 'in_progress' && !q) {
      const list = area.querySelector('ul.cards');
      if (list.querySelector(`[data-job="${j.job_id}"]`)) return;
      // The inbox's own view of the fax has what the card shows.
      get(`/v1/inbox?limit=5`).then((items) => {
        const fax = items.find((x) => x.job_id === j.job_id);
        if (fax && !list.querySelector(`[data-job="${j.job_id}"]`)) {
          list.prepend(card(fax));
          area.querySelector('.empty').hidden = true;
        }
      }).catch(() => {});
    }
  });
}

function card(fax) {
  const from = fax.tsid || fax.caller_id || 'unknown sender';
  const label = `fax ${fax.job_id} from ${from}`;
  return h('li', { class: 'card', dataset: { job: fax.job_id } },
    thumbnail(fax.job_id, fax.page_count, label),
    h('div', { class: 'card-body' },
      h('h2', {}, `From ${from}`),
      h('p', {}, `${fax.page_count} page${fax.page_count === 1 ? '' : 's'} · ${when(fax.received_at)}`,
        fax.type !== 'receive' ? h('strong', { class: 'state failed' }, ` · ${words(fax.type)}`) : ''),
      h('p', { class: 'sub' }, [fax.caller_id && `Caller ${fax.caller_id}`, fax.called_number && `to ${fax.called_number}`,
        `line ${fax.port}`, fax.routing && `routing: ${fax.routing}`].filter(Boolean).join(' · ')),
      downloads(`/v1/inbox/${fax.job_id}/document`, fax.job_id)));
}
