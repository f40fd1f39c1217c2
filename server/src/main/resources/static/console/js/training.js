// Fine-tuning: the job list and a form that starts a job from an uploaded JSONL or CSV file.
import {ApiError, api, manage, repositoryIndex} from './api.js';
import {askToken} from './token.js';
import {describeError, el, formatNumber, notify, table} from './dom.js';

export async function trainingView(main) {
  main.append(el('h1', {text: 'Training'}));
  main.append(await startForm());
  const list = el('section', {'aria-labelledby': 'jobs-title'}, el('h2', {id: 'jobs-title', text: 'Jobs'}));
  main.append(list);
  try {
    const jobs = (await api('/v2/training/jobs')).jobs;
    list.append(jobs.length ? table(['Job', 'Model', 'State', 'Epoch', 'Last train loss', 'Output'],
      jobs.map((job) => el('tr', {'data-job': job.job_id},
        el('td', {}, el('a', {href: '#/training/' + encodeURIComponent(job.job_id)}, job.job_id)),
        el('td', {text: job.model + ' v' + job.version}),
        el('td', {class: 'state state-' + job.state, text: job.state}),
        el('td', {text: String(job.epoch)}),
        el('td', {text: formatNumber(job.train_loss[job.train_loss.length - 1], 6)}),
        el('td', {text: job.output ? 'v' + job.output.version : '–'}))), {id: 'jobs-table'})
      : el('p', {class: 'muted', text: 'No jobs yet.'}));
  } catch (error) {
    if (!(error instanceof ApiError) || !error.denied) throw error;
    list.append(el('p', {class: 'error', text: describeError(error)}),
      el('button', {type: 'button', onclick: async () => { if (await askToken()) location.reload(); }},
        'Enter the admin token'));
  }
}

async function startForm() {
  const index = await repositoryIndex();
  const names = index ? [...new Set(index.filter((r) => r.state === 'READY').map((r) => r.name))] : [];
  const field = (label, input) => [el('label', {for: input.id}, label), input];
  const model = el('input', {id: 'ft-model', list: 'ft-models', required: true, autocomplete: 'off'});
  const version = el('input', {id: 'ft-version', inputmode: 'numeric', placeholder: 'default version'});
  const dataset = el('input', {id: 'ft-dataset', type: 'file', accept: '.jsonl,.csv', required: true});
  const epochs = el('input', {id: 'ft-epochs', type: 'number', min: 1, value: 10});
  const batch = el('input', {id: 'ft-batch-size', type: 'number', min: 1, value: 32});
  const optimizer = el('select', {id: 'ft-optimizer'}, ['sgd', 'adam', 'adamw'].map((o) => el('option', {value: o}, o)));
  const lr = el('input', {id: 'ft-lr', type: 'number', step: 'any', min: 0, value: 0.01});
  const loss = el('select', {id: 'ft-loss'},
    ['mse', 'l1', 'bce', 'bce_with_logits', 'cross_entropy'].map((o) => el('option', {value: o}, o)));
  const validation = el('input', {id: 'ft-validation', type: 'number', step: 'any', min: 0, max: 0.9, value: 0.2});
  const promote = el('select', {id: 'ft-promote'}, ['never', 'if_better', 'always'].map((o) => el('option', {value: o}, o)));
  const seed = el('input', {id: 'ft-seed', type: 'number', value: 0});
  const form = el('form', {id: 'finetune-form', class: 'grid-form'},
    field('Model', model), el('datalist', {id: 'ft-models'}, names.map((n) => el('option', {value: n}))),
    field('Version', version), field('Dataset (.jsonl or .csv)', dataset), field('Epochs', epochs),
    field('Batch size', batch), field('Optimizer', optimizer), field('Learning rate', lr),
    field('Loss', loss), field('Validation split', validation), field('Promote', promote), field('Seed', seed),
    el('button', {type: 'submit', id: 'ft-start'}, 'Start fine-tuning'));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const settings = {
      epochs: Number(epochs.value), batch_size: Number(batch.value), loss: loss.value,
      optimizer: {type: optimizer.value, lr: Number(lr.value)},
      validation_split: Number(validation.value), promote: promote.value, seed: Number(seed.value),
    };
    const body = new FormData();
    body.append('dataset', dataset.files[0], dataset.files[0].name);
    body.append('settings', JSON.stringify(settings));
    const path = '/v2/models/' + encodeURIComponent(model.value.trim())
      + (version.value.trim() ? '/versions/' + encodeURIComponent(version.value.trim()) : '') + '/finetune';
    try {
      const job = await manage(path, {method: 'POST', body});
      location.hash = '#/training/' + encodeURIComponent(job.job_id);
    } catch (error) {
      notify('The job was not started. ' + describeError(error), 'error');
    }
  });
  return el('section', {'aria-labelledby': 'start-title'},
    el('h2', {id: 'start-title', text: 'Start a fine-tuning job'}),
    el('p', {class: 'muted', text: 'TorchScript models only. JSONL: one {"<input>": [...], "target": [...]}'
      + ' per line; CSV: a header row with <input> or <input>.<i> and target columns.'}),
    form);
}
