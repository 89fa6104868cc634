// What the fax lists share: page thumbnails, the full-page viewer, download links, the search
// box and the "load more" pager.

import { h, fill, announce } from '../dom.js';

/** Page `n` of job `id` as a small image that opens the viewer. */
export function thumbnail(id, pages, label) {
  const img = h('img', { src: `/v1/jobs/${id}/pages/1.png?width=120`, alt: `Page 1 of ${label}`, loading: 'lazy', width: 120, class: 'thumb' });
  img.addEventListener('error', () => img.replaceWith(h('span', { class: 'thumb none' }, 'no preview')), { once: true });
  const b = h('button', { type: 'button', class: 'thumb-button', 'aria-label': `View ${label} (${pages} page${pages === 1 ? '' : 's'})` }, img);
  b.addEventListener('click', () => openViewer(id, pages, label));
  return b;
}

/** A dialog showing the fax's pages one at a time, with the keyboard's arrows. */
export function openViewer(id, pages, label) {
  let n = 1;
  const img = h('img', { class: 'page', alt: '' });
  const where = h('span', { class: 'where', 'aria-live': 'polite' });
  const prev = h('button', { type: 'button' }, '‹ Previous');
  const next = h('button', { type: 'button' }, 'Next ›');
  const close = h('button', { type: 'button', class: 'close' }, 'Close');
  const dialog = h('dialog', { class: 'viewer', 'aria-label': `Pages of ${label}` },
    h('div', { class: 'viewer-bar' }, h('strong', {}, label), where, prev, next,
      h('a', { href: `/v1/jobs/${id}/document?format=pdf`, download: `fax-${id}.pdf` }, 'PDF'),
      h('a', { href: `/v1/jobs/${id}/document?format=tiff`, download: `fax-${id}.tif` }, 'TIFF'),
      close),
    h('div', { class: 'viewer-page' }, img));
  const show = () => {
    img.src = `/v1/jobs/${id}/pages/${n}.png?width=1000`;
    img.alt = `Page ${n} of ${pages} of ${label}`;
    where.textContent = `Page ${n} of ${pages}`;
    prev.disabled = n <= 1;
    next.disabled = n >= pages;
  };
  prev.addEventListener('click', () => { if (n > 1) { n -= 1; show(); } });
  next.addEventListener('click', () => { if (n < pages) { n += 1; show(); } });
  close.addEventListener('click', () => dialog.close());
  dialog.addEventListener('keydown', (e) => {
    if (e.key === 'ArrowLeft') prev.click();
    if (e.key === 'ArrowRight') next.click();
  });
  dialog.addEventListener('close', () => dialog.remove());
  document.body.append(dialog);
  show();
  dialog.showModal();
  close.focus();
}

/** Download links for a whole fax. */
export function downloads(base, id) {
  return h('span', { class: 'downloads' },
    h('a', { href: `${base}?format=pdf`, download: `fax-${id}.pdf` }, 'PDF'), ' · ',
    h('a', { href: `${base}?format=tiff`, download: `fax-${id}.tif` }, 'TIFF'));
}

/** A search box; `onSearch(text)` on submit and when cleared. */
export function searchBox(label, onSearch) {
  const input = h('input', { type: 'search', name: 'q', maxlength: 100, 'aria-label': label, placeholder: label });
  const form = h('form', { class: 'search', role: 'search' }, input, h('button', { type: 'submit' }, 'Search'));
  form.addEventListener('submit', (e) => { e.preventDefault(); onSearch(input.value.trim()); });
  input.addEventListener('search', () => { if (!input.value) onSearch(''); });
  return form;
}

/** A list that loads pages of items: `fetchPage(after)` → {items, next}. `empty` is said
 * when there are none: a text, or a function of nothing giving one (to tell "no faxes" from
 * "no match"). A new first page supersedes a load still on its way. */
export function pagedList(container, fetchPage, renderItem, empty) {
  let next = null;
  let generation = 0;
  const more = h('button', { type: 'button', class: 'more', hidden: true }, 'Load more');
  const list = h('ul', { class: 'cards' });
  const note = h('p', { class: 'empty', hidden: true });
  fill(container, list, note, more);
  async function load(reset) {
    if (reset) generation += 1;
    const mine = generation;
    const { items, next: n } = await fetchPage(reset ? null : next);
    if (mine !== generation) return; // a newer search came meanwhile
    if (reset) list.replaceChildren();
    for (const it of items) list.append(renderItem(it));
    note.textContent = typeof empty === 'function' ? empty() : empty;
    next = n;
    more.hidden = !next;
    note.hidden = list.children.length > 0;
    announce(`${list.children.length} shown`);
  }
  more.addEventListener('click', () => load(false));
  return load;
}
