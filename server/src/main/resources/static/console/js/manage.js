// Management actions for admins: load, unload, pin and unpin, upload an archive, traffic split.
// Each goes to the same endpoint as curl; a 401 asks for the admin token, destructive actions ask
// for confirmation first.
import {manage} from './api.js';
import {describeError, el, notify} from './dom.js';

export function managePanel(name, metadata, index) {
  const model = '/v2/models/' + encodeURIComponent(name);
  const repository = '/v2/repository/models/' + encodeURIComponent(name);
  const known = index ? index.map((v) => v.version) : metadata ? metadata.versions : [];
  const result = el('p', {id: 'manage-result', role: 'status', 'aria-live': 'polite'});

  const run = (label, question, call) => async () => {
    if (question && !window.confirm(question)) return;
    result.textContent = label + '…';
    result.className = '';
    try {
      const answer = await call();
      result.textContent = label + ': done. ' + summary(answer);
      result.className = 'ok';
      notify(label + ' ' + name + ': done.', 'ok');
    } catch (error) {
      result.textContent = label + ' failed. ' + describeError(error);
      result.className = 'error';
      notify(label + ' ' + name + ' failed. ' + describeError(error), 'error');
    }
  };

  const pinVersion = el('select', {id: 'pin-version', 'aria-label': 'Version to pin'},
    known.map((v) => el('option', {value: v}, 'version ' + v)));
  const archive = el('input', {type: 'file', id: 'upload-file', accept: '.zip,.tar.gz,.tgz',
    'aria-label': 'Model archive (.zip or .tar.gz)'});
  const shares = known.map((v) => el('input', {type: 'number', min: 0, max: 100, step: 1,
    id: 'share-' + v, 'data-version': v, 'aria-label': 'Share of version ' + v + ' (%)', class: 'share'}));

  return el('section', {'aria-labelledby': 'manage-title', id: 'manage'},
    el('h2', {id: 'manage-title', text: 'Management'}),
    el('p', {class: 'muted', text: 'Admins only: these calls need the admin token (or the loopback'
      + ' management port when the server has none).'}),
    el('div', {class: 'actions'},
      el('button', {type: 'button', id: 'action-load', onclick: run('Load', null,
        () => manage(repository + '/load', {method: 'POST'}))}, 'Load / reload'),
      el('button', {type: 'button', id: 'action-unload', class: 'danger', onclick: run('Unload',
        'Unload ' + name + '? Requests to it will be refused (503) until it is loaded again.',
        () => manage(repository + '/unload', {method: 'POST'}))}, 'Unload')),
    el('div', {class: 'actions'},
      pinVersion,
      el('button', {type: 'button', id: 'action-pin', onclick: run('Pin', null,
        () => manage(model + '/versions/' + encodeURIComponent(pinVersion.value) + '/default', {method: 'PUT'}))},
      'Pin as default'),
      el('button', {type: 'button', id: 'action-unpin', onclick: run('Unpin',
        'Remove the pin of ' + name + '? The newest ready version becomes the default.',
        () => manage(model + '/default', {method: 'DELETE'}))}, 'Unpin')),
    el('fieldset', {},
      el('legend', {text: 'Traffic split (percent of requests without a version; sums to 100)'}),
      el('div', {class: 'actions'}, shares.map((input) => el('label', {}, 'v' + input.dataset.version + ' ', input)),
        el('button', {type: 'button', id: 'action-split', onclick: run('Set traffic split',
          'Send live traffic of ' + name + ' by this split?', () => {
            const split = {};
            for (const input of shares) if (input.value) split[input.dataset.version] = Number(input.value);
            return manage(model + '/traffic', {method: 'PUT', json: split});
          })}, 'Set split'),
        el('button', {type: 'button', id: 'action-clear-split', onclick: run('Clear traffic split',
          'Clear the traffic split of ' + name + '?', () => manage(model + '/traffic', {method: 'DELETE'}))},
        'Clear split'))),
    el('fieldset', {},
      el('legend', {text: 'Upload an archive (.zip or .tar.gz of the model folder or its versions)'}),
      el('div', {class: 'actions'}, archive,
        el('button', {type: 'button', id: 'action-upload', onclick: run('Upload',
          'Upload this archive into ' + name + ' and load it?', () => {
            if (!archive.files.length) throw new Error('choose an archive first');
            return manage(repository + '/upload', {method: 'POST', body: archive.files[0],
              headers: {'Content-Type': 'application/octet-stream'}});
          })}, 'Upload and load'))),
    result);
}

function summary(answer) {
  if (Array.isArray(answer)) {
    return answer.map((r) => (r.version ? 'v' + r.version + ' ' : '') + r.state + (r.reason ? ' (' + r.reason + ')' : '')).join('; ');
  }
  if (answer && answer.split) return 'split ' + JSON.stringify(answer.split);
  if (answer && answer.version) return 'default v' + answer.version + (answer.pinned ? ' (pinned)' : '');
  return '';
}
