// The resource tree: Application -> its resources -> their children by owner
// references (ReplicaSets, Pods, …), health and sync status on every node.

import { h, healthBadge, syncBadge } from './dom.js';

/** `group/kind/namespace/name` of a node or resource reference. */
export function resourceKey(r) {
  return `${r.group || ''}/${r.kind}/${r.namespace || ''}/${r.name}`;
}

/**
 * The nodes of the tree as `{ref, health, sync, node, children}` records:
 * the application's resources (`status.resources`, live or missing) with the
 * live nodes of `resource-tree` hung under their owners.
 */
export function treeModel(app, tree) {
  const liveNodes = (tree && tree.nodes) || [];
  const byKey = new Map();
  const byUid = new Map();
  const record = (ref) => {
    const key = resourceKey(ref);
    if (!byKey.has(key)) byKey.set(key, { ref, health: null, sync: null, node: null, children: [] });
    return byKey.get(key);
  };
  const roots = new Set();
  for (const resource of (app.status || {}).resources || []) {
    const item = record(resource);
    item.sync = resource.status || null;
    item.health = (resource.health || {}).status || null;
    roots.add(item);
  }
  const managed = new Set(roots);
  for (const node of liveNodes) {
    const item = record(node);
    item.node = node;
    item.health = (node.health || {}).status || item.health;
    if (node.uid) byUid.set(node.uid, item);
  }
  for (const node of liveNodes) {
    const item = byKey.get(resourceKey(node));
    const parents = (node.parentRefs || [])
      .map((p) => (p.uid && byUid.get(p.uid)) || byKey.get(resourceKey(p)))
      .filter(Boolean);
    if (managed.has(item)) continue;
    if (parents.length > 0) parents[0].children.push(item);
    else roots.add(item);
  }
  return [...roots];
}

/** The record with `key` in the tree `roots`, or null. */
export function findItem(roots, key) {
  const pending = [...roots];
  const seen = new Set();
  while (pending.length > 0) {
    const item = pending.pop();
    if (seen.has(item)) continue;
    seen.add(item);
    if (resourceKey(item.ref) === key) return item;
    pending.push(...item.children);
  }
  return null;
}

function nodeButton(item, selected, onSelect) {
  const { ref } = item;
  const isSelected = selected === resourceKey(ref);
  return h('button', {
    type: 'button',
    class: `node${isSelected ? ' selected' : ''}`,
    'aria-pressed': isSelected ? 'true' : 'false',
    'aria-label': `${ref.kind} ${ref.name}`,
    dataset: { kind: ref.kind, name: ref.name },
    onclick: () => onSelect(item),
  },
  h('span', { class: 'kind', text: ref.kind }),
  h('span', { class: 'name', text: ref.name }),
  h('span', { class: 'badges' },
    item.health && healthBadge(item.health), item.sync && ' ', item.sync && syncBadge(item.sync)));
}

function branch(item, selected, onSelect, depth) {
  // Owner references cannot loop in a real cluster; the depth bound keeps a
  // malformed tree from recursing forever.
  const children = depth < 16 ? item.children : [];
  return h('li', {},
    nodeButton(item, selected, onSelect),
    children.length > 0 && h('ul', {}, children.map((c) => branch(c, selected, onSelect, depth + 1))));
}

/**
 * The tree of `app` (`roots` from treeModel, null while loading) as a nested
 * list of node buttons; `selected` is the key of the selected node.
 */
export function buildTree(app, roots, selected, onSelect) {
  const status = app.status || {};
  const root = h('div', { class: 'node root', 'aria-label': `Application ${app.metadata.name}` },
    h('span', { class: 'kind', text: 'Application' }),
    h('span', { class: 'name', text: app.metadata.name }),
    h('span', { class: 'badges' },
      healthBadge((status.health || {}).status), ' ', syncBadge((status.sync || {}).status)));
  return h('ul', { class: 'tree', id: 'resource-tree' },
    h('li', {}, root,
      roots && roots.length > 0
        ? h('ul', {}, roots.map((item) => branch(item, selected, onSelect, 0)))
        : h('p', { class: 'muted', text: roots ? 'No resources.' : 'Loading…' })));
}
