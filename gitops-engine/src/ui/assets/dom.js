// Small DOM helpers: element construction, status badges and notices.

/**
 * Creates an element. `attrs` keys: `class`, `text`, `on<event>` handlers,
 * `dataset` (object), boolean attributes as booleans, others as strings.
 * Children are nodes, strings, or arrays of them; null/false are skipped.
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === 'class') el.className = value;
    else if (key === 'text') el.textContent = value;
    else if (key === 'dataset') Object.assign(el.dataset, value);
    else if (key.startsWith('on')) el.addEventListener(key.slice(2), value);
    else if (value === true) el.setAttribute(key, '');
    else el.setAttribute(key, String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else el.append(child instanceof Node ? child : String(child));
  }
}

/** Replaces the children of `el` with `children`. */
export function replace(el, ...children) {
  el.replaceChildren();
  append(el, children);
}

const drawn = new WeakMap();

/**
 * Replaces the children of `el` with `build()`, unless `signature` (a text
 * standing for the data shown) is the one drawn last: live updates then
 * leave focus, selection and hover alone when nothing visible changed.
 */
export function redraw(el, signature, build) {
  if (drawn.get(el) === signature) return;
  drawn.set(el, signature);
  replace(el, build());
}

const HEALTH_ICONS = {
  Healthy: '♥', Progressing: '◌', Degraded: '✖', Suspended: '❚❚', Missing: '?', Unknown: '?',
};
const SYNC_ICONS = { Synced: '✔', OutOfSync: '⚠', Unknown: '?' };

/** A health badge (`status` as Argo CD names it; empty means Unknown). */
export function healthBadge(status) {
  const s = status || 'Unknown';
  return h('span', { class: `badge health-${s}`, dataset: { health: s }, title: `Health: ${s}` },
    h('span', { 'aria-hidden': 'true', text: HEALTH_ICONS[s] || '?' }), ` ${s}`);
}

/** A sync-status badge. */
export function syncBadge(status) {
  const s = status || 'Unknown';
  return h('span', { class: `badge sync-${s}`, dataset: { sync: s }, title: `Sync: ${s}` },
    h('span', { 'aria-hidden': 'true', text: SYNC_ICONS[s] || '?' }), ` ${s}`);
}

/** Shows a short notice in the live region; errors stay until dismissed. */
export function notify(message, kind = 'info') {
  const box = document.getElementById('toasts');
  const toast = h('div', { class: `toast toast-${kind}` },
    h('span', { text: message }),
    h('button', { type: 'button', class: 'link', 'aria-label': 'Dismiss', onclick: () => toast.remove(), text: '×' }));
  box.append(toast);
  if (kind !== 'error') setTimeout(() => toast.remove(), 5000);
}

/** Opens a modal `<dialog>` built by `build(close)`; removed when closed. */
export function modal(title, build) {
  const dialog = h('dialog', { 'aria-label': title, class: 'modal' });
  const close = () => dialog.close();
  dialog.append(h('h2', { text: title }), build(close));
  dialog.addEventListener('close', () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
  return dialog;
}

/** "3m ago"-style age of an RFC 3339 time, or '' when absent. */
export function age(time) {
  if (!time) return '';
  const seconds = Math.max(0, Math.round((Date.now() - Date.parse(time)) / 1000));
  if (Number.isNaN(seconds)) return '';
  if (seconds < 60) return `${seconds}s ago`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m ago`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)}h ago`;
  return `${Math.floor(seconds / 86400)}d ago`;
}

/** The first 7 characters of a Git commit SHA; other revisions unchanged. */
export function shortRevision(revision) {
  return /^[0-9a-f]{40}$/.test(revision || '') ? revision.slice(0, 7) : (revision || '');
}
