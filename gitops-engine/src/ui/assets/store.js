// The applications the UI knows, kept current by the stream; views subscribe.

import { api, watchApplications } from './api.js';

const apps = new Map();
const listeners = new Set();
let stop = null;
let connected = false;
let scheduled = false;

const key = (app) => `${app.metadata.namespace || ''}/${app.metadata.name}`;

function changed() {
  if (scheduled) return;
  scheduled = true;
  // One render per frame however many events arrive.
  requestAnimationFrame(() => {
    scheduled = false;
    for (const listener of listeners) listener();
  });
}

/** Loads the list once, then follows the stream (idempotent). */
export async function startStore() {
  if (stop) return;
  stop = watchApplications((event) => {
    if (event.type === 'DELETED') apps.delete(key(event.application));
    else apps.set(key(event.application), event.application);
    changed();
  }, (open) => {
    connected = open;
    changed();
  });
  const list = await api.applications();
  for (const app of (list && list.items) || []) {
    if (!apps.has(key(app))) apps.set(key(app), app);
  }
  changed();
}

/** Stops following the stream and forgets every application (logout). */
export function stopStore() {
  if (stop) stop();
  stop = null;
  apps.clear();
}

/** The known applications, sorted by name. */
export function applications() {
  return [...apps.values()].sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
}

/** The application named `name`, if known. */
export function findApplication(name) {
  return applications().find((a) => a.metadata.name === name);
}

/** Whether the stream is open. */
export function isLive() {
  return connected;
}

/** Calls `listener` after every change; returns the unsubscribe function. */
export function subscribe(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}
