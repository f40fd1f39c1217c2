// Every model and version from the repository index, with the default and pinned version and the
// traffic split; filter and search, a page of rows at a time for repositories of hundreds of models.
import {api, ApiError, tryManagement} from './api.js';
import {askToken} from './token.js';
import {describeError, el, notify, table} from './dom.js';

const PAGE = 50;

export async function modelsView(main) {
  const search = el('input', {type: 'search', id: 'model-filter', placeholder: 'name contains…',
    'aria-label': 'Filter models by name'});
  const state = el('select', {id: 'state-filter', 'aria-label': 'Filter by state'},
    ['all states', 'READY', 'UNAVAILABLE', 'LOADING', 'UNLOADING'].map((s) => el('option', {value: s}, s)));
  const summary = el('p', {class: 'muted', id: 'models-summary'});
  const body = el('div', {id: 'models-body'});
  const pager = el('div', {class: 'pager'});
  main.append(el('h1', {text: 'Models'}),
    el('div', {class: 'toolbar'}, search, state), summary, body, pager);

  const models = await loadModels(main, summary);
  let page = 0;
  const render = async () => {
    const needle = search.value.trim().toLowerCase();
    const wanted = state.value === 'all states' ? null : state.value;
    const shown = models.filter((m) => m.name.toLowerCase().includes(needle)
      && (!wanted || m.states.has(wanted)));
    page = Math.min(page, Math.max(0, Math.ceil(shown.length / PAGE) - 1));
    const slice = shown.slice(page * PAGE, (page + 1) * PAGE);
    summary.textContent = shown.length + ' of ' + models.length + ' models'
      + (shown.length > PAGE ? ', ' + (page * PAGE + 1) + '–' + (page * PAGE + slice.length) : '');
    await Promise.all(slice.map(details));
    body.replaceChildren(table(['Model', 'Versions', 'Default', 'Pinned', 'Traffic split'],
      slice.map(row), {id: 'models-table'}));
    pager.replaceChildren(
      el('button', {type: 'button', disabled: page === 0, onclick: () => { page--; render(); }}, 'Previous'),
      el('button', {type: 'button', disabled: (page + 1) * PAGE >= shown.length,
        onclick: () => { page++; render(); }}, 'Next'));
  };
  let timer = null;
  search.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(() => { page = 0; render(); }, 150);
  });
  state.addEventListener('change', () => { page = 0; render(); });
  await render();
  return () => clearTimeout(timer);
}

/** The index grouped by model; without management access, the ready versions from statistics. */
async function loadModels(main, summary) {
  let rows;
  try {
    rows = await api('/v2/repository/index', {method: 'POST', json: {}});
  } catch (error) {
    if (!(error instanceof ApiError) || !error.denied) throw error;
    notify(describeError(error) + ' Showing the ready versions only (from the statistics API).', 'warn');
    main.insertBefore(el('p', {},
      el('button', {type: 'button', onclick: async () => { if (await askToken()) location.reload(); }},
        'Enter the admin token for the full index')), summary);
    const stats = await api('/v2/models/stats');
    rows = stats.model_stats.map((s) => ({name: s.name, version: s.version, state: 'READY', reason: ''}));
  }
  const byName = new Map();
  for (const r of rows) {
    if (!byName.has(r.name)) byName.set(r.name, {name: r.name, versions: [], states: new Set()});
    byName.get(r.name).states.add(r.state);
    if (r.version) byName.get(r.name).versions.push({version: r.version, state: r.state, reason: r.reason});
    else if (r.state) byName.get(r.name).problem = r.reason || r.state;
  }
  return [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/** Default, pin and split of one model (management GETs; left empty when not allowed). */
async function details(model) {
  if (model.detailed || !model.versions.some((v) => v.state === 'READY')) return;
  const name = encodeURIComponent(model.name);
  const [defaults, traffic] = await Promise.all([
    tryManagement('/v2/models/' + name + '/default'),
    tryManagement('/v2/models/' + name + '/traffic'),
  ]);
  model.defaults = defaults;
  model.split = traffic && traffic.split && Object.keys(traffic.split).length ? traffic.split : null;
  model.detailed = true;
}

function row(model) {
  const versions = el('ul', {class: 'versions'}, model.versions.map((v) =>
    el('li', {'data-state': v.state},
      el('span', {class: 'version', text: 'v' + v.version}), ' ',
      el('span', {class: 'state state-' + v.state.toLowerCase(), text: v.state}),
      v.reason ? el('span', {class: 'reason', text: ' ' + v.reason}) : null)));
  if (model.problem) versions.append(el('li', {class: 'reason', text: model.problem}));
  const d = model.defaults;
  const split = model.split
    ? Object.entries(model.split).map(([v, share]) => 'v' + v + ' ' + share + '%').join(', ') : '–';
  return el('tr', {'data-model': model.name},
    el('th', {scope: 'row'}, el('a', {href: '#/models/' + encodeURIComponent(model.name)}, model.name)),
    el('td', {}, versions),
    el('td', {text: d && d.version ? 'v' + d.version : '–'}),
    el('td', {text: d && d.pinned ? 'v' + d.pinned_version : (d ? 'no' : '–')}),
    el('td', {text: split}));
}
