// "Try it": an inference request built from the model's metadata, sent to the same infer endpoint
// as curl, with the response shown as it came.
import {api} from './api.js';
import {describeError, el, table} from './dom.js';

export function tryItForm(name, metadata) {
  const version = el('select', {id: 'try-version'},
    el('option', {value: ''}, 'default version'),
    metadata.versions.map((v) => el('option', {value: v}, 'version ' + v)));
  const fields = metadata.inputs.map((input) => {
    const shape = input.shape.map((d) => (d < 0 ? 1 : d));
    const count = shape.reduce((a, b) => a * b, 1);
    const zero = input.datatype === 'BYTES' ? '' : input.datatype === 'BOOL' ? false : 0;
    const id = 'try-input-' + input.name.replace(/[^A-Za-z0-9_-]/g, '_');
    return {
      input,
      shape: el('input', {id: id + '-shape', class: 'try-shape', 'data-input': input.name,
        value: JSON.stringify(shape), 'aria-label': input.name + ' shape'}),
      data: el('textarea', {id: id + '-data', class: 'try-data', 'data-input': input.name, rows: 3,
        'aria-label': input.name + ' data (JSON, flat or nested)'},
        JSON.stringify(new Array(Math.min(count, 4096)).fill(zero))),
    };
  });
  const response = el('pre', {class: 'json', id: 'try-response', 'aria-live': 'polite'});
  const outputs = el('div', {id: 'try-outputs'});
  const form = el('form', {id: 'try-form', class: 'stack'},
    el('label', {for: 'try-version'}, 'Version'), version,
    fields.map((f) => el('fieldset', {},
      el('legend', {text: f.input.name + ' (' + f.input.datatype + ', shape ' + JSON.stringify(f.input.shape) + ')'}),
      el('label', {for: f.shape.id}, 'Shape'), f.shape,
      el('label', {for: f.data.id}, 'Data'), f.data)),
    el('button', {type: 'submit', id: 'try-send'}, 'Send inference request'));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    response.textContent = 'Sending…';
    outputs.replaceChildren();
    try {
      const body = {
        id: 'console-try-it',
        inputs: fields.map((f) => ({name: f.input.name, datatype: f.input.datatype,
          shape: JSON.parse(f.shape.value), data: JSON.parse(f.data.value)})),
      };
      const path = '/v2/models/' + encodeURIComponent(name)
        + (version.value ? '/versions/' + encodeURIComponent(version.value) : '') + '/infer';
      const answer = await api(path, {method: 'POST', json: body});
      response.textContent = JSON.stringify(answer, null, 2);
      response.dataset.status = '200';
      outputs.append(table(['Output', 'Datatype', 'Shape', 'Data'], answer.outputs.map((o) => el('tr', {},
        el('td', {text: o.name}), el('td', {text: o.datatype}), el('td', {text: JSON.stringify(o.shape)}),
        el('td', {class: 'data', text: JSON.stringify(o.data)})))));
    } catch (error) {
      response.textContent = error instanceof SyntaxError ? 'Not JSON: ' + error.message : describeError(error);
      response.dataset.status = error.status ? String(error.status) : 'error';
    }
  });
  return el('section', {'aria-labelledby': 'try-title'},
    el('h2', {id: 'try-title', text: 'Try it'}), form, el('h3', {text: 'Response'}), outputs, response);
}
