// Live statistics from GET /v2/models/{m}/stats (Triton's statistics extension), polled every two
// seconds. The API has cumulative counts and nanoseconds, so rates and mean times come from the
// difference between two polls. p50 and p99 come from /metrics: Triton's summary latencies
// (nv_inference_request_summary_us), over the last minute, the highest of the model's versions.
import {api} from './api.js';
import {el, formatNumber} from './dom.js';
import {barList, lineChart} from './chart.js';
import {parseMetrics} from './server.js';

const PERIOD_MS = 2000;

export function liveStats(section, name) {
  const figure = (id, label) => el('div', {class: 'figure'},
    el('span', {class: 'figure-label', text: label}), el('span', {class: 'figure-value', id, text: '–'}));
  const chartBox = el('div', {class: 'chart', id: 'stats-chart', role: 'img',
    'aria-label': 'Requests per second and mean latency over time'});
  const bars = el('div', {id: 'batch-histogram'});
  section.append(
    el('div', {class: 'figures'},
      figure('stat-rate', 'requests/s'), figure('stat-latency', 'mean latency (ms)'),
      figure('stat-queue', 'mean queue time (ms)'), figure('stat-total', 'requests (total)'),
      figure('stat-p50', 'p50 latency (ms)'), figure('stat-p99', 'p99 latency (ms)')),
    el('p', {class: 'muted', id: 'percentile-note',
      text: 'Rates and means are over each 2 s interval (statistics API); p50 and p99 are over the'
        + ' last minute of successful requests (nv_inference_request_summary_us in /metrics),'
        + ' the highest among the model\'s versions.'}),
    chartBox,
    el('h3', {text: 'Batch sizes executed'}), bars);
  const chart = lineChart(chartBox, {
    series: [{label: 'requests/s'}, {label: 'mean latency ms', scale: 'y2'}, {label: 'mean queue ms', scale: 'y2'}],
    yLabel: 'requests/s', y2Label: 'ms'});

  let previous = null;
  let stopped = false;
  const poll = async () => {
    if (stopped) return;
    try {
      const now = totals((await api('/v2/models/' + encodeURIComponent(name) + '/stats')).model_stats);
      now.at = performance.now() / 1000;
      if (previous) {
        const seconds = now.at - previous.at;
        const done = now.success.count - previous.success.count;
        const queued = now.queue.count - previous.queue.count;
        const rate = done / seconds;
        const latency = done > 0 ? (now.success.ns - previous.success.ns) / done / 1e6 : null;
        const queue = queued > 0 ? (now.queue.ns - previous.queue.ns) / queued / 1e6 : null;
        chart.push(Date.now() / 1000, [rate, latency, queue]);
        text('stat-rate', formatNumber(rate, 1));
        text('stat-latency', latency === null ? '–' : formatNumber(latency, 3));
        text('stat-queue', queue === null ? '–' : formatNumber(queue, 3));
        section.dataset.rate = String(rate);
      }
      text('stat-total', formatNumber(now.success.count, 0));
      const quantiles = percentiles(parseMetrics(await api('/metrics')), name);
      text('stat-p50', quantiles['0.5'] === undefined ? '–' : formatNumber(quantiles['0.5'] / 1000, 3));
      text('stat-p99', quantiles['0.99'] === undefined ? '–' : formatNumber(quantiles['0.99'] / 1000, 3));
      barList(bars, [...now.batches.entries()].sort((a, b) => a[0] - b[0]),
        'Executions per batch size since the versions loaded (all ready versions).');
      previous = now;
    } catch (error) {
      text('stat-rate', '–');
      section.dataset.error = error.message;
    }
  };
  poll();
  const timer = setInterval(poll, PERIOD_MS);
  return () => {
    stopped = true;
    clearInterval(timer);
    chart.destroy();
  };
}

/** The model's summary quantiles in µs by quantile label, the highest over its versions. */
function percentiles(samples, name) {
  const found = {};
  for (const sample of samples.get('nv_inference_request_summary_us') || []) {
    const {model, quantile} = sample.labels;
    if (model !== name || !quantile || Number.isNaN(sample.value)) continue;
    found[quantile] = Math.max(found[quantile] ?? 0, sample.value);
  }
  return found;
}

function text(id, value) {
  const node = document.getElementById(id);
  if (node) node.textContent = value;
}

/** Sums over the ready versions: success and queue {count, ns}, executions per batch size. */
function totals(stats) {
  const sum = {success: {count: 0, ns: 0}, queue: {count: 0, ns: 0}, batches: new Map()};
  for (const version of stats) {
    for (const key of ['success', 'queue']) {
      sum[key].count += version.inference_stats[key].count;
      sum[key].ns += version.inference_stats[key].ns;
    }
    for (const batch of version.batch_stats) {
      const executions = batch.compute_infer.count;
      sum.batches.set(batch.batch_size, (sum.batches.get(batch.batch_size) || 0) + executions);
    }
  }
  return sum;
}
