// One model: its versions, live statistics, configuration, inputs and outputs, a "try it" form and
// the management actions.
import {api, repositoryIndex} from './api.js';
import {el, table} from './dom.js';
import {liveStats} from './stats.js';
import {tryItForm} from './tryit.js';
import {managePanel} from './manage.js';

export async function modelView(main, name) {
  const path = '/v2/models/' + encodeURIComponent(name);
  main.append(el('p', {}, el('a', {href: '#/models'}, '← Models')), el('h1', {id: 'model-name', text: name}));
  const index = await repositoryIndex();
  const versions = index ? index.filter((r) => r.name === name && r.version) : null;
  let metadata = null;
  let config = null;
  try {
    [metadata, config] = await Promise.all([api(path), api(path + '/config')]);
  } catch (error) {
    main.append(el('p', {class: 'error', text: 'No ready version: ' + error.message}));
  }
  if (versions) {
    main.append(el('section', {'aria-labelledby': 'versions-title'},
      el('h2', {id: 'versions-title', text: 'Versions'}),
      table(['Version', 'State', 'Reason'], versions.map((v) => el('tr', {'data-version': v.version},
        el('td', {text: v.version}), el('td', {class: 'state state-' + v.state.toLowerCase(), text: v.state}),
        el('td', {text: v.reason || ''}))), {id: 'versions-table'})));
  }
  const stops = [];
  if (metadata) {
    const statsSection = el('section', {'aria-labelledby': 'stats-title'}, el('h2', {id: 'stats-title', text: 'Live statistics'}));
    main.append(statsSection);
    stops.push(liveStats(statsSection, name));
    main.append(tensors(metadata));
    main.append(tryItForm(name, metadata));
    main.append(el('section', {'aria-labelledby': 'config-title'},
      el('h2', {id: 'config-title', text: 'Configuration'}),
      el('details', {}, el('summary', {text: 'config (as completed at load)'}),
        el('pre', {class: 'json', id: 'model-config', text: JSON.stringify(config, null, 2)}))));
  }
  main.append(managePanel(name, metadata, versions));
  return () => stops.forEach((stop) => stop());
}

function tensors(metadata) {
  const rows = (kind, list) => list.map((t) => el('tr', {},
    el('td', {text: kind}), el('td', {text: t.name}), el('td', {text: t.datatype}), el('td', {text: JSON.stringify(t.shape)})));
  return el('section', {'aria-labelledby': 'io-title'},
    el('h2', {id: 'io-title', text: 'Inputs and outputs'}),
    el('p', {class: 'muted', text: 'Platform ' + (metadata.platform || '–') + '; ready versions '
      + metadata.versions.join(', ') + '; -1 is any size (the first dimension is the batch).'}),
    table(['', 'Name', 'Datatype', 'Shape'], [...rows('input', metadata.inputs), ...rows('output', metadata.outputs)]));
}
