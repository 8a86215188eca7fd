// The application list: a tile per Application with sync and health, filters
// (project, sync, health, label selector) and a search box, updated live.

import { h, healthBadge, redraw, replace, shortRevision, syncBadge } from './dom.js';
import { applications, isLive, subscribe } from './store.js';

const SYNC_STATUSES = ['Synced', 'OutOfSync', 'Unknown'];
const HEALTH_STATUSES = ['Healthy', 'Progressing', 'Degraded', 'Suspended', 'Missing', 'Unknown'];

// Filters survive leaving and re-entering the list.
const filters = { search: '', project: '', sync: '', health: '', labels: '' };

/**
 * Parses a label selector (`a=b,c!=d,e,!f`, `==` too) into predicates on a
 * labels object; throws on a malformed requirement.
 */
export function parseSelector(text) {
  const tests = [];
  for (const part of text.split(',').map((p) => p.trim()).filter(Boolean)) {
    const m = /^(!?)([\w./-]+)\s*(?:(==|=|!=)\s*([\w.-]*))?$/.exec(part);
    if (!m) throw new Error(`invalid label selector: ${part}`);
    const [, not, name, op, value] = m;
    if (not && op) throw new Error(`invalid label selector: ${part}`);
    if (!op) tests.push(not ? (l) => !(name in l) : (l) => name in l);
    else if (op === '!=') tests.push((l) => l[name] !== value);
    else tests.push((l) => l[name] === value);
  }
  return (labels) => tests.every((test) => test(labels || {}));
}

function matches(app, selector) {
  const status = app.status || {};
  const search = filters.search.toLowerCase();
  return (!search || app.metadata.name.toLowerCase().includes(search))
    && (!filters.project || app.spec.project === filters.project)
    && (!filters.sync || ((status.sync || {}).status || 'Unknown') === filters.sync)
    && (!filters.health || ((status.health || {}).status || 'Unknown') === filters.health)
    && selector(app.metadata.labels);
}

function source(app) {
  return app.spec.source || (app.spec.sources || [])[0] || {};
}

function tile(app) {
  const status = app.status || {};
  const src = source(app);
  const dest = app.spec.destination || {};
  const name = app.metadata.name;
  const labels = Object.entries(app.metadata.labels || {}).map(([k, v]) => `${k}=${v}`);
  return h('li', { class: 'tile card', dataset: { app: name } },
    h('h2', {}, h('a', { href: `#/applications/${encodeURIComponent(name)}`, text: name })),
    h('p', { class: 'badges' },
      healthBadge((status.health || {}).status), ' ', syncBadge((status.sync || {}).status)),
    h('dl', {},
      h('dt', { text: 'Project' }), h('dd', { text: app.spec.project || 'default' }),
      h('dt', { text: 'Repository' }), h('dd', { class: 'wrap', text: src.repoURL || src.chart || '' }),
      h('dt', { text: 'Path' }), h('dd', { text: src.path || src.chart || '' }),
      h('dt', { text: 'Target' }), h('dd', { text: src.targetRevision || 'HEAD' }),
      h('dt', { text: 'Revision' }), h('dd', { text: shortRevision((status.sync || {}).revision) }),
      h('dt', { text: 'Destination' }),
      h('dd', { text: `${dest.name || dest.server || ''} / ${dest.namespace || ''}` }),
      labels.length > 0 && [h('dt', { text: 'Labels' }), h('dd', { text: labels.join(', ') })]));
}

function select(id, label, value, options, onchange) {
  return [
    h('label', { for: id, text: label }),
    h('select', { id, onchange: (e) => onchange(e.target.value) },
      h('option', { value: '', text: 'All' }),
      options.map((o) => h('option', { value: o, selected: o === value, text: o }))),
  ];
}

/** Renders the list into `view`; returns the function that stops updating it. */
export function renderList(view) {
  const tiles = h('ul', { class: 'tiles', id: 'tiles', 'aria-label': 'Applications' });
  const summary = h('p', { class: 'muted', id: 'list-summary' });
  const selectorError = h('span', { class: 'error', role: 'alert' });
  const projectSlot = h('span', { class: 'filter' });
  let selector = parseSelector(filters.labels);
  let shownProjects = null;

  const draw = () => {
    const all = applications();
    const projects = [...new Set(all.map((a) => a.spec.project || 'default'))].sort();
    // Rebuilt only when the set changes, so an open menu keeps its focus.
    if (projects.join('\n') !== shownProjects) {
      shownProjects = projects.join('\n');
      replace(projectSlot, select('filter-project', 'Project', filters.project, projects, (v) => {
        filters.project = v;
        draw();
      }));
    }
    const shown = all.filter((a) => matches(a, selector));
    const signature = JSON.stringify([all.length > 0, shown.map((a) => [
      a.metadata.name, a.metadata.labels, a.spec, (a.status || {}).health, (a.status || {}).sync])]);
    redraw(tiles, signature, () => (all.length > 0 && shown.length === 0
      ? h('li', { class: 'muted', text: 'No application matches the filters.' })
      : shown.map(tile)));
    summary.textContent = `${shown.length} of ${all.length} applications`
      + (isLive() ? ' · live' : ' · reconnecting…');
  };

  const toolbar = h('form', { class: 'toolbar', role: 'search', onsubmit: (e) => e.preventDefault() },
    h('label', { for: 'filter-search', text: 'Search' }),
    h('input', {
      id: 'filter-search', type: 'search', value: filters.search, placeholder: 'application name',
      oninput: (e) => { filters.search = e.target.value; draw(); },
    }),
    projectSlot,
    h('span', { class: 'filter' }, select('filter-sync', 'Sync', filters.sync, SYNC_STATUSES, (v) => {
      filters.sync = v;
      draw();
    })),
    h('span', { class: 'filter' }, select('filter-health', 'Health', filters.health, HEALTH_STATUSES, (v) => {
      filters.health = v;
      draw();
    })),
    h('label', { for: 'filter-labels', text: 'Labels' }),
    h('input', {
      id: 'filter-labels', value: filters.labels, placeholder: 'team=web,env!=prod',
      oninput: (e) => {
        filters.labels = e.target.value;
        try {
          selector = parseSelector(filters.labels);
          selectorError.textContent = '';
        } catch (err) {
          selectorError.textContent = err.message;
          return;
        }
        draw();
      },
    }),
    selectorError);

  view.replaceChildren(h('h1', { text: 'Applications' }), toolbar, summary, tiles);
  draw();
  return subscribe(draw);
}
