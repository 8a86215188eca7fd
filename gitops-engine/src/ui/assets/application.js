// The application page: status, actions, the resource tree, a resource's
// manifests and diff, and the deployment history with rollback.

import { api } from './api.js';
import { age, h, healthBadge, notify, redraw, shortRevision, syncBadge } from './dom.js';
import { openDeleteDialog, openRollbackDialog, openSyncDialog } from './dialogs.js';
import { resourcePanel } from './panel.js';
import { findApplication, subscribe } from './store.js';
import { buildTree, findItem, resourceKey, treeModel } from './tree.js';

/** Renders application `name` into `view`; returns the function that stops it. */
export function renderApplication(view, name) {
  const state = {
    tree: null, resources: null, selectedKey: null, selected: null, tab: 'summary', version: null,
    manifests: new Map(),
  };
  const header = h('section', { class: 'app-header', 'aria-label': 'Status' });
  const actions = h('div', { class: 'actions', role: 'toolbar', 'aria-label': 'Actions' });
  const conditions = h('div', { id: 'conditions' });
  const tree = h('section', { class: 'tree-wrap', 'aria-labelledby': 'tree-title' });
  const panel = h('aside', { id: 'resource-panel', class: 'panel', 'aria-label': 'Selected resource', hidden: true });
  const history = h('section', { id: 'history', 'aria-labelledby': 'history-title' });
  let loading = false;
  let again = false;

  // One fetch of the tree (and the diffs) at a time; a change during it
  // triggers one more.
  const reload = async () => {
    if (loading) {
      again = true;
      return;
    }
    loading = true;
    try {
      const [treeData, managed] = await Promise.all([api.resourceTree(name), api.managedResources(name)]);
      state.tree = treeData;
      state.resources = (managed && managed.items) || [];
      state.manifests.clear();
    } catch (e) {
      if (e.status !== 404) notify(`Loading the resource tree failed: ${e.message}`, 'error');
    } finally {
      loading = false;
    }
    draw();
    if (again) {
      again = false;
      reload();
    }
  };

  const select = (item) => {
    state.selectedKey = resourceKey(item.ref);
    state.tab = 'summary';
    draw();
  };

  const draw = () => {
    const app = findApplication(name);
    if (!app) {
      redraw(header, 'waiting', () => [h('h1', { text: name }), h('p', { class: 'muted', text: 'Waiting for the application…' })]);
      return;
    }
    const status = app.status || {};
    redraw(header, JSON.stringify([status.health, status.sync, status.operationState, app.spec.source]),
      () => headerContent(app));
    redraw(actions, String(Boolean(app.operation)), () => actionButtons(app));
    redraw(conditions, JSON.stringify(status.conditions), () => conditionList(app));
    const roots = state.tree ? treeModel(app, state.tree) : null;
    state.selected = roots && state.selectedKey ? findItem(roots, state.selectedKey) : null;
    redraw(tree, JSON.stringify([status.resources, status.health, status.sync, state.tree, state.selectedKey]),
      () => [h('h2', { id: 'tree-title', text: 'Resources' }), buildTree(app, roots, state.selectedKey, select)]);
    redraw(history, JSON.stringify(status.history), () => historyContent(app));
    panel.hidden = !state.selected;
    const fetched = state.selectedKey && state.manifests.get(state.selectedKey);
    redraw(panel, JSON.stringify([state.selected, state.resources, state.tab, fetched instanceof Error ? fetched.message : fetched]), () => resourcePanel(state, {
      close: () => {
        state.selectedKey = null;
        draw();
      },
      showTab: (tab) => {
        state.tab = tab;
        draw();
      },
      loadManifest: (item) => {
        const key = resourceKey(item.ref);
        state.manifests.set(key, null);
        api.resource(name, { ...item.ref, version: item.node && item.node.version })
          .then((answer) => parseManifest(answer && answer.manifest), (e) => e)
          .then((result) => {
            state.manifests.set(key, result);
            draw();
          });
      },
    }));
  };

  const onChange = () => {
    const app = findApplication(name);
    const version = app && app.metadata.resourceVersion;
    if (version !== state.version) {
      state.version = version;
      reload();
    }
    draw();
  };

  view.replaceChildren(
    h('nav', { 'aria-label': 'Breadcrumb', class: 'crumbs' },
      h('a', { href: '#/applications', text: 'Applications' }), ' / ', name),
    header, actions, conditions, h('div', { class: 'app-body' }, tree, panel), history);
  onChange();
  return subscribe(onChange);
}

function headerContent(app) {
  const status = app.status || {};
  const sync = status.sync || {};
  const op = status.operationState;
  const src = app.spec.source || (app.spec.sources || [])[0] || {};
  return [
    h('h1', { text: app.metadata.name }),
    h('p', { class: 'badges', id: 'app-status' },
      healthBadge((status.health || {}).status), ' ', syncBadge(sync.status),
      sync.revision && h('span', { class: 'muted', text: ` to ${shortRevision(sync.revision)}` }),
      h('span', { class: 'muted', text: ` · ${src.repoURL || ''} ${src.path || ''} @ ${src.targetRevision || 'HEAD'}` })),
    op && h('p', { id: 'operation', class: `operation phase-${op.phase}` },
      `Last sync: ${op.phase}`,
      op.message ? ` — ${op.message}` : '',
      h('span', { class: 'muted', text: ` ${age(op.finishedAt || op.startedAt)}` })),
  ];
}

function actionButtons(app) {
  const name = app.metadata.name;
  const refresh = (kind) => async (event) => {
    const button = event.currentTarget;
    button.disabled = true;
    try {
      await api.application(name, kind);
      notify(`${kind === 'hard' ? 'Hard refresh' : 'Refresh'} of ${name} done`);
    } catch (e) {
      notify(`Refresh failed: ${e.message}`, 'error');
    } finally {
      button.disabled = false;
    }
  };
  const busy = Boolean(app.operation);
  return [
    h('button', { type: 'button', id: 'sync-button', class: 'primary', onclick: () => openSyncDialog(app), text: busy ? 'Syncing…' : 'Sync' }),
    h('button', { type: 'button', id: 'refresh-button', onclick: refresh('normal'), text: 'Refresh' }),
    h('button', { type: 'button', id: 'hard-refresh-button', onclick: refresh('hard'), text: 'Hard Refresh' }),
    h('button', { type: 'button', id: 'delete-button', class: 'danger', onclick: () => openDeleteDialog(app), text: 'Delete' }),
  ];
}

function conditionList(app) {
  const list = (app.status || {}).conditions || [];
  return list.length > 0 && h('ul', { class: 'conditions', role: 'alert' },
    list.map((c) => h('li', {}, h('strong', { text: `${c.type}: ` }), c.message || '')));
}

function historyContent(app) {
  const entries = [...((app.status || {}).history || [])].reverse();
  const current = entries.length > 0 ? entries[0].id : null;
  return [
    h('h2', { id: 'history-title', text: 'History' }),
    entries.length === 0
      ? h('p', { class: 'muted', text: 'Not deployed yet.' })
      : h('table', { class: 'history' },
        h('thead', {}, h('tr', {},
          ['ID', 'Revision', 'Deployed', 'Source', ''].map((t) => h('th', { scope: 'col', text: t })))),
        h('tbody', {}, entries.map((entry) => h('tr', { dataset: { historyId: entry.id } },
          h('td', { text: entry.id }),
          h('td', { class: 'mono', title: entry.revision || '', text: shortRevision(entry.revision) }),
          h('td', { title: entry.deployedAt || '', text: age(entry.deployedAt) }),
          h('td', { class: 'wrap', text: `${(entry.source || {}).path || ''}` }),
          h('td', {}, entry.id === current
            ? h('span', { class: 'muted', text: 'current' })
            : h('button', {
              type: 'button', class: 'rollback', 'aria-label': `Rollback to deployment ${entry.id}`,
              onclick: () => openRollbackDialog(app, entry), text: 'Rollback',
            })))))),
  ];
}

function parseManifest(text) {
  try {
    return JSON.parse(text);
  } catch {
    return new Error('The server sent a manifest that is not JSON.');
  }
}
