// Building the page: elements from data (text is always set as text, never parsed as HTML),
// dates, announcements for screen readers, and form errors next to their fields.

/** An element: h('button', {class: 'x', onclick: f}, 'Text', child, ...). */
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(props || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k === 'value' || k === 'checked' || k === 'selected') el[k] = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  add(el, children);
  return el;
}

function add(el, children) {
  for (const c of children) {
    if (c === undefined || c === null || c === false) continue;
    if (Array.isArray(c)) add(el, c);
    else el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

/** Replaces an element's content. */
export function fill(el, ...children) {
  el.replaceChildren();
  add(el, children);
  return el;
}

/** Says `text` to screen readers without moving focus. */
export function announce(text) {
  const a = document.getElementById('announce');
  if (a) {
    a.textContent = '';
    setTimeout(() => { a.textContent = text; }, 50);
  }
}

/** A date and time in the browser's locale ('' for none). */
export function when(ts) {
  if (!ts) return '';
  const d = new Date(ts);
  return isNaN(d) ? String(ts) : d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

/** A state's words: 'in_progress' → 'In progress'. */
export function words(s) {
  if (!s) return '';
  const t = String(s).replace(/_/g, ' ');
  return t.charAt(0).toUpperCase() + t.slice(1);
}

let unique = 0;
/** An id for pairing labels and messages with their fields. */
export function uid(prefix) {
  unique += 1;
  return `${prefix}-${unique}`;
}

/** A labelled field: {label, name, type, value, hint, ...input attributes}. */
export function field(opts) {
  const id = uid(opts.name || 'f');
  const msg = h('p', { class: 'field-error', id: `${id}-error`, hidden: true });
  const hint = opts.hint ? h('p', { class: 'hint', id: `${id}-hint` }, opts.hint) : null;
  let input;
  const attrs = { id, name: opts.name, 'aria-describedby': [hint && `${id}-hint`, `${id}-error`].filter(Boolean).join(' ') };
  if (opts.type === 'select') {
    input = h('select', attrs, (opts.options || []).map(([v, t]) => h('option', { value: v, selected: String(opts.value) === String(v) }, t)));
  } else if (opts.type === 'textarea') {
    input = h('textarea', { ...attrs, rows: opts.rows || 3, maxlength: opts.maxlength }, opts.value || '');
  } else if (opts.type === 'checkbox') {
    input = h('input', { ...attrs, type: 'checkbox', checked: !!opts.value });
    const wrap = h('div', { class: 'field check', dataset: { field: opts.name } }, input, h('label', { for: id }, opts.label), hint, msg);
    return { wrap, input, msg };
  } else {
    input = h('input', {
      ...attrs, type: opts.type || 'text', value: opts.value ?? '', min: opts.min, max: opts.max, step: opts.step,
      maxlength: opts.maxlength, autocomplete: opts.autocomplete || 'off', inputmode: opts.inputmode,
      required: opts.required, placeholder: opts.placeholder,
    });
  }
  const wrap = h('div', { class: 'field', dataset: { field: opts.name } }, h('label', { for: id }, opts.label), input, hint, msg);
  return { wrap, input, msg };
}

/** Shows `text` as the error of the field named `name` inside `form`; false if there is none. */
export function fieldError(form, name, text) {
  const wrap = form.querySelector(`[data-field="${CSS.escape(name)}"]`);
  if (!wrap) return false;
  const msg = wrap.querySelector('.field-error');
  const input = wrap.querySelector('input, select, textarea');
  msg.textContent = text;
  msg.hidden = false;
  // A field folded away (in a closed <details>) is unfolded, so that its message is seen.
  for (let d = wrap.closest('details'); d; d = d.parentElement?.closest('details')) d.open = true;
  if (input) {
    input.setAttribute('aria-invalid', 'true');
    input.focus();
  }
  return true;
}

/** The whole number in the number field `name` of `form`; when it holds none (empty, a
 * fraction, text), says so next to it and answers null. */
export function wholeNumber(form, name) {
  const input = form.querySelector(`[data-field="${CSS.escape(name)}"] input`);
  const text = input.value.trim();
  if (/^-?\d+$/.test(text)) return Number(text);
  fieldError(form, name, text === '' ? 'a whole number is needed here' : `${text} is not a whole number`);
  return null;
}

/** Clears every field error of `form`. */
export function clearErrors(form) {
  for (const m of form.querySelectorAll('.field-error')) { m.hidden = true; m.textContent = ''; }
  for (const i of form.querySelectorAll('[aria-invalid]')) i.removeAttribute('aria-invalid');
  const banner = form.querySelector('.form-error');
  if (banner) { banner.hidden = true; banner.textContent = ''; }
}

/** Shows an API error on `form`: next to its field when the API names one, else on top. */
export function showProblem(form, err) {
  const problem = err && err.problem;
  const text = problem ? problem.detail || problem.title : String(err && err.message ? err.message : err);
  if (problem && problem.field && fieldError(form, problem.field, text)) return;
  let banner = form.querySelector('.form-error');
  if (!banner) {
    banner = h('p', { class: 'form-error', role: 'alert' });
    form.prepend(banner);
  }
  banner.textContent = text;
  banner.hidden = false;
  banner.focus?.();
}
