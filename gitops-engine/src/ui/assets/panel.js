// The side panel of a selected resource: summary, live manifest, diff and
// desired manifest (from managed-resources; Secrets come masked).

import { age, h, healthBadge, syncBadge } from './dom.js';
import { diffLines, toYaml } from './text.js';
import { resourceKey } from './tree.js';

const TABS = [['summary', 'Summary'], ['live', 'Live manifest'], ['diff', 'Diff'], ['desired', 'Desired manifest']];

function parseState(text) {
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

function summary(item) {
  const { ref, node } = item;
  const rows = [
    ['Kind', ref.kind], ['Name', ref.name], ['Namespace', ref.namespace || ''],
    ['Health', item.health && healthBadge(item.health)],
    ['Sync', item.sync && syncBadge(item.sync)],
  ];
  if (node) {
    rows.push(['Created', age(node.createdAt)]);
    for (const info of node.info || []) rows.push([info.name, info.value]);
    if ((node.images || []).length > 0) rows.push(['Images', node.images.join(', ')]);
    if (node.health && node.health.message) rows.push(['Health message', node.health.message]);
  }
  return h('dl', { class: 'summary' },
    rows.filter(([, v]) => v).map(([k, v]) => [h('dt', { text: k }), h('dd', {}, v)]));
}

function manifest(state) {
  return state ? h('pre', { class: 'manifest' }, toYaml(state)) : h('p', { class: 'muted', text: 'Not present.' });
}

function diff(managed) {
  const live = parseState(managed.normalizedLiveState) ?? parseState(managed.liveState);
  const desired = parseState(managed.predictedLiveState) ?? parseState(managed.targetState);
  const lines = diffLines(toYaml(live, true), toYaml(desired, true));
  const changed = lines.filter((l) => l.op !== ' ').length;
  return [
    h('p', { class: 'muted', id: 'diff-summary' },
      changed === 0 ? 'No differences.' : `${changed} changed lines: − live, + desired.`),
    h('pre', { class: 'diff', id: 'diff' }, lines.map(({ op, line }) => h('span', {
      class: op === '+' ? 'add' : op === '-' ? 'del' : 'same', text: `${op} ${line}\n`,
    }))),
  ];
}

/**
 * The contents of the panel for `state.selected` (nothing when none is
 * selected); `actions.close()` and `actions.showTab(id)` change the state,
 * `actions.loadManifest(item)` fetches a live manifest into `state.manifests`.
 */
export function resourcePanel(state, actions) {
  const item = state.selected;
  if (!item) return [];
  const managed = (state.resources || []).find((r) => resourceKey(r) === resourceKey(item.ref));
  // Objects the app does not manage (ReplicaSets, Pods) have only a live manifest.
  const tabs = managed ? TABS : TABS.slice(0, item.node ? 2 : 1);
  const tab = tabs.some(([id]) => id === state.tab) ? state.tab : 'summary';
  const live = () => {
    if (managed) return manifest(parseState(managed.liveState));
    const fetched = state.manifests.get(resourceKey(item.ref));
    if (fetched === undefined) actions.loadManifest(item);
    if (fetched === undefined || fetched === null) return h('p', { class: 'muted', text: 'Loading…' });
    return fetched instanceof Error ? h('p', { class: 'error', text: fetched.message }) : manifest(fetched);
  };
  const body = tab === 'summary' ? summary(item)
    : tab === 'live' ? live()
      : tab === 'diff' ? diff(managed)
        : manifest(parseState(managed.targetState));
  return [
    h('div', { class: 'panel-head' },
      h('h2', { id: 'panel-title', text: `${item.ref.kind} ${item.ref.name}` }),
      h('button', { type: 'button', class: 'link', 'aria-label': 'Close', onclick: actions.close, text: '×' })),
    h('div', { role: 'tablist', class: 'tabs', 'aria-labelledby': 'panel-title' }, tabs.map(([id, label]) => h('button', {
      type: 'button', role: 'tab', id: `tab-${id}`, 'aria-selected': id === tab ? 'true' : 'false',
      onclick: () => actions.showTab(id), text: label,
    }))),
    h('div', { role: 'tabpanel', 'aria-labelledby': `tab-${tab}` }, body),
  ];
}
