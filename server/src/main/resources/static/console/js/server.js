// The server: name, version, extensions, readiness, uptime and GPUs. Uptime and GPU memory come
// from /metrics (process_uptime_seconds, Triton's nv_gpu_* families); no other endpoint has them.
import {api} from './api.js';
import {el, formatBytes, formatDuration, formatNumber, table} from './dom.js';

export async function serverView(main) {
  const [metadata, metrics, ready] = await Promise.all([
    api('/v2'), api('/metrics'), fetch('/v2/health/ready', {cache: 'no-store'}).then((r) => r.json())]);
  const samples = parseMetrics(metrics);
  const value = (name) => (samples.get(name) || [])[0]?.value;
  main.append(el('h1', {text: 'Server'}),
    table(['', ''], [
      ['Name', metadata.name], ['Version', metadata.version],
      ['Ready', ready.ready ? 'yes' : 'no' + (ready.error ? ': ' + ready.error : '')],
      ['Uptime', formatDuration(value('process_uptime_seconds'))],
      ['Heap used', formatBytes(sum(samples, 'jvm_memory_used_bytes', (l) => l.area === 'heap'))],
      ['CPUs', formatNumber(value('system_cpu_count'), 0)],
    ].map(([k, v]) => el('tr', {}, el('th', {scope: 'row', text: k}), el('td', {text: String(v)}))),
    {id: 'server-table'}),
    el('h2', {text: 'Extensions'}),
    el('ul', {id: 'extensions'}, metadata.extensions.map((e) => el('li', {text: e}))),
    el('h2', {text: 'GPUs'}), gpus(samples));
}

function gpus(samples) {
  const total = samples.get('nv_gpu_memory_total_bytes') || [];
  if (!total.length) {
    return el('p', {class: 'muted', id: 'gpus',
      text: 'No GPU: /metrics has no nv_gpu_* family (the server found no CUDA device; its start-up log says why).'});
  }
  const find = (name, uuid) => ((samples.get(name) || []).find((s) => s.labels.gpu_uuid === uuid) || {}).value;
  return table(['GPU', 'Memory used', 'Memory total', 'Utilisation'], total.map((s) => el('tr', {},
    el('td', {text: s.labels.gpu_uuid}), el('td', {text: formatBytes(find('nv_gpu_memory_used_bytes', s.labels.gpu_uuid))}),
    el('td', {text: formatBytes(s.value)}),
    el('td', {text: formatNumber(100 * (find('nv_gpu_utilization', s.labels.gpu_uuid) || 0), 0) + ' %'}))), {id: 'gpus'});
}

function sum(samples, name, keep) {
  return (samples.get(name) || []).filter((s) => keep(s.labels)).reduce((a, s) => a + s.value, 0);
}

/** Prometheus text format: name → [{labels, value}]. */
export function parseMetrics(text) {
  const samples = new Map();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][\w:]*)(\{(.*)\})?\s+(\S+)/.exec(line);
    if (!match) continue;
    const labels = {};
    for (const pair of (match[3] || '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[pair[1]] = pair[2];
    if (!samples.has(match[1])) samples.set(match[1], []);
    samples.get(match[1]).push({labels, value: Number(match[4])});
  }
  return samples;
}
