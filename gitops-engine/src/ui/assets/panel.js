// The side panel of a selected resource: summary, live manifest, diff and
// desired manifest (from managed-resources; Secrets come masked).

import { age, h, healthBadge, replace, syncBadge } from './dom.js';
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

/** Fills `panel` for `state.selected` (hidden when nothing is selected). */
export function renderResourcePanel(panel, state, onClose) {
  const item = state.selected;
  panel.hidden = !item;
  if (!item) return;
  const managed = (state.resources || []).find((r) => resourceKey(r) === resourceKey(item.ref));
  const tabs = managed ? TABS : TABS.slice(0, 1);
  if (!tabs.some(([id]) => id === state.tab)) state.tab = 'summary';
  const body = state.tab === 'summary' ? summary(item)
    : state.tab === 'live' ? manifest(parseState(managed.liveState))
      : state.tab === 'diff' ? diff(managed)
        : manifest(parseState(managed.targetState));
  panel.setAttribute('aria-label', `${item.ref.kind} ${item.ref.name}`);
  replace(panel,
    h('div', { class: 'panel-head' },
      h('h2', { text: `${item.ref.kind} ${item.ref.name}` }),
      h('button', { type: 'button', class: 'link', 'aria-label': 'Close', onclick: onClose, text: '×' })),
    h('div', { role: 'tablist', class: 'tabs' }, tabs.map(([id, label]) => h('button', {
      type: 'button', role: 'tab', id: `tab-${id}`, 'aria-selected': id === state.tab ? 'true' : 'false',
      onclick: () => {
        state.tab = id;
        renderResourcePanel(panel, state, onClose);
      },
      text: label,
    }))),
    h('div', { role: 'tabpanel', 'aria-labelledby': `tab-${state.tab}` }, body));
}
