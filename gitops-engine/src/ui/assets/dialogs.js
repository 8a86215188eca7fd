// The Sync, Rollback and Delete dialogs of the application page.

import { api } from './api.js';
import { h, modal, notify, shortRevision } from './dom.js';
import { resourceKey } from './tree.js';

function checkbox(id, label, checked = false) {
  const input = h('input', { type: 'checkbox', id, checked });
  return { input, row: h('div', { class: 'check' }, input, h('label', { for: id, text: label })) };
}

function buttons(close, submitLabel, submitClass = 'primary') {
  return h('div', { class: 'dialog-buttons' },
    h('button', { type: 'submit', class: submitClass, text: submitLabel }),
    h('button', { type: 'button', onclick: close, text: 'Cancel' }));
}

/** Runs `call`; closes the dialog and notifies on success, shows the error in `error` otherwise. */
async function submit(form, error, close, call, done) {
  const button = form.querySelector('button[type=submit]');
  button.disabled = true;
  error.textContent = '';
  try {
    await call();
    close();
    notify(done);
  } catch (e) {
    error.textContent = e.message;
  } finally {
    button.disabled = false;
  }
}

/** Sync with revision, prune, dry run and a choice of resources. */
export function openSyncDialog(app) {
  const name = app.metadata.name;
  const src = app.spec.source || (app.spec.sources || [])[0] || {};
  const resources = (app.status || {}).resources || [];
  modal(`Sync ${name}`, (close) => {
    const revision = h('input', { id: 'sync-revision', value: src.targetRevision || 'HEAD' });
    const prune = checkbox('sync-prune', 'Prune');
    const dryRun = checkbox('sync-dry-run', 'Dry run');
    const picks = resources.map((r, i) => ({
      resource: r,
      ...checkbox(`sync-resource-${i}`, `${r.kind}/${r.name}${r.status === 'OutOfSync' ? ' (OutOfSync)' : ''}`, true),
    }));
    const error = h('p', { class: 'error', role: 'alert' });
    const form = h('form', {
      method: 'dialog',
      onsubmit: (event) => {
        event.preventDefault();
        const chosen = picks.filter((p) => p.input.checked).map((p) => p.resource);
        const body = { revision: revision.value, prune: prune.input.checked, dryRun: dryRun.input.checked };
        if (chosen.length < picks.length) {
          body.resources = chosen.map(({ group, kind, name: n, namespace }) => ({ group: group || '', kind, name: n, namespace: namespace || '' }));
        }
        submit(form, error, close, () => api.sync(name, body),
          `Sync of ${name} started${body.dryRun ? ' (dry run)' : ''}`);
      },
    },
    h('label', { for: 'sync-revision', text: 'Revision' }), revision,
    prune.row, dryRun.row,
    picks.length > 0 && h('fieldset', { class: 'resources' },
      h('legend', { text: 'Resources' }),
      h('div', { class: 'resource-list' }, picks.map((p) => h('div', { dataset: { resource: resourceKey(p.resource) } }, p.row)))),
    error, buttons(close, 'Synchronize'));
    return form;
  });
}

/** Rollback to history entry `entry`. */
export function openRollbackDialog(app, entry) {
  const name = app.metadata.name;
  modal(`Rollback ${name}`, (close) => {
    const prune = checkbox('rollback-prune', 'Prune');
    const error = h('p', { class: 'error', role: 'alert' });
    const form = h('form', {
      onsubmit: (event) => {
        event.preventDefault();
        submit(form, error, close, () => api.rollback(name, entry.id, prune.input.checked),
          `Rollback of ${name} to deployment ${entry.id} started`);
      },
    },
    h('p', { text: `Deploy revision ${shortRevision(entry.revision)} again (deployment ${entry.id})?` }),
    prune.row, error, buttons(close, 'Rollback'));
    return form;
  });
}

/** Delete, cascading to the resources unless unticked; the name must be typed. */
export function openDeleteDialog(app) {
  const name = app.metadata.name;
  modal(`Delete ${name}`, (close) => {
    const cascade = checkbox('delete-cascade', 'Also delete the application\'s resources (cascade)', true);
    const confirmName = h('input', { id: 'delete-confirm', autocomplete: 'off' });
    const error = h('p', { class: 'error', role: 'alert' });
    const form = h('form', {
      onsubmit: (event) => {
        event.preventDefault();
        if (confirmName.value !== name) {
          error.textContent = `Type ${name} to confirm.`;
          return;
        }
        submit(form, error, close, async () => {
          await api.remove(name, cascade.input.checked);
          window.location.hash = '#/applications';
        }, `${name} is being deleted`);
      },
    },
    cascade.row,
    h('label', { for: 'delete-confirm', text: `Type ${name} to confirm` }), confirmName,
    error, buttons(close, 'Delete', 'danger'));
    return form;
  });
}
