// One fine-tuning job: live train and validation loss over server-sent events, its state, speed
// and output version, and a cancel button.
import {manage} from './api.js';
import {readEvents} from './sse.js';
import {describeError, el, formatNumber, notify, table} from './dom.js';
import {lineChart} from './chart.js';

export async function jobView(main, id) {
  const path = '/v2/training/jobs/' + encodeURIComponent(id);
  const job = await manage(path);
  const figure = (key, label) => el('div', {class: 'figure'},
    el('span', {class: 'figure-label', text: label}), el('span', {class: 'figure-value', id: 'job-' + key, text: '–'}));
  const chartBox = el('div', {class: 'chart', id: 'loss-chart', role: 'img', 'aria-label': 'Loss per epoch'});
  const losses = el('div', {id: 'loss-table'});
  const cancel = el('button', {type: 'button', id: 'job-cancel', class: 'danger'}, 'Cancel job');
  main.append(el('p', {}, el('a', {href: '#/training'}, '← Training')),
    el('h1', {text: 'Job ' + id}),
    el('p', {class: 'muted', text: job.model + ' version ' + job.version}),
    el('div', {class: 'figures'}, figure('state', 'state'), figure('epoch', 'epoch'),
      figure('speed', 'samples/s'), figure('output', 'output version')),
    el('p', {class: 'error', id: 'job-error', hidden: true}),
    el('div', {class: 'actions'}, cancel),
    el('h2', {text: 'Loss'}), chartBox, losses);
  const chart = lineChart(chartBox, {series: [{label: 'train loss'}, {label: 'validation loss'}],
    xLabel: 'epoch', time: false, log: true, yLabel: 'loss (log scale)'});

  let current = job;
  const show = () => {
    const j = current;
    document.getElementById('job-state').textContent = j.state;
    document.getElementById('job-epoch').textContent = j.epoch + (j.settings ? ' / ' + j.settings.epochs : '');
    document.getElementById('job-speed').textContent = formatNumber(j.samples_per_second, 0);
    document.getElementById('job-output').textContent = j.output ? 'v' + j.output.version : '–';
    const error = document.getElementById('job-error');
    error.hidden = !j.error;
    error.textContent = j.error || '';
    cancel.disabled = ['succeeded', 'failed', 'cancelled'].includes(j.state);
    const epochs = j.train_loss.map((_, i) => i + 1);
    const val = epochs.map((_, i) => (j.val_loss && i < j.val_loss.length ? j.val_loss[i] : null));
    chart.set(epochs, [j.train_loss, val]);
    losses.replaceChildren(table(['Epoch', 'Train loss', 'Validation loss'], epochs.map((e, i) =>
      el('tr', {}, el('td', {text: String(e)}), el('td', {class: 'train-loss', text: String(j.train_loss[i])}),
        el('td', {class: 'val-loss', text: val[i] === null ? '' : String(val[i])})))));
    main.dataset.state = j.state;
  };
  show();

  cancel.addEventListener('click', async () => {
    if (!window.confirm('Cancel job ' + id + '? It publishes nothing.')) return;
    try {
      current = await manage(path + '/cancel', {method: 'POST'});
      show();
    } catch (error) {
      notify('Cancel failed. ' + describeError(error), 'error');
    }
  });

  const abort = new AbortController();
  const follow = async () => {
    while (!abort.signal.aborted && !['succeeded', 'failed', 'cancelled'].includes(current.state)) {
      try {
        await readEvents(path + '/events', (name, data) => {
          if (name === 'state') {
            current = data;
          } else if (name === 'epoch') {
            current = {...current, epoch: data.epoch, samples_per_second: data.samples_per_second,
              train_loss: [...current.train_loss, data.train_loss],
              val_loss: data.val_loss === undefined ? current.val_loss : [...(current.val_loss || []), data.val_loss]};
          }
          show();
        }, abort.signal);
      } catch (error) {
        if (abort.signal.aborted) return;
        notify('Event stream interrupted: ' + describeError(error) + '; retrying.', 'warn');
        await new Promise((resolve) => setTimeout(resolve, 2000));
      }
    }
  };
  follow();
  return () => {
    abort.abort();
    chart.destroy();
  };
}
