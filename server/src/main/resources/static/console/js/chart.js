// Time series charts on uPlot (the WebJar, served by this server).
import uPlot from '/webjars/uplot/dist/uPlot.esm.js';
import {el} from './dom.js';

const COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd'];

/**
 * A line chart in `container`. series: [{label, scale}] (scale 'y' or 'y2'); x is a number (seconds
 * or epochs); log: a logarithmic y axis. Answers {push(x, values), set(xs, columns), destroy()}.
 * The number of points goes into the container's data-points attribute, for tests.
 */
export function lineChart(container, {series, xLabel = 'time', time = true, log = false, yLabel = '', y2Label = '', height = 240}) {
  const data = [[], ...series.map(() => [])];
  const axes = [{label: xLabel}, {label: yLabel, scale: 'y'}];
  if (series.some((s) => s.scale === 'y2')) {
    axes.push({label: y2Label, scale: 'y2', side: 1, grid: {show: false}});
  }
  const options = {
    width: Math.max(280, container.clientWidth || 600),
    height,
    scales: log ? {x: {time}, y: {distr: 3}} : {x: {time}},
    axes,
    series: [{label: xLabel}, ...series.map((s, i) => ({
      label: s.label, scale: s.scale || 'y', stroke: COLOURS[i % COLOURS.length], width: 2,
      spanGaps: true, points: {show: !time},
    }))],
  };
  const plot = new uPlot(options, data, container);
  const resize = () => plot.setSize({width: Math.max(280, container.clientWidth), height});
  window.addEventListener('resize', resize);
  const publish = () => {
    container.dataset.points = String(data[0].length);
  };
  publish();
  return {
    push(x, values, limit = 180) {
      data[0].push(x);
      values.forEach((value, i) => data[i + 1].push(value));
      if (data[0].length > limit) data.forEach((column) => column.shift());
      plot.setData(data);
      publish();
    },
    set(xs, columns) {
      data[0] = xs.slice();
      columns.forEach((column, i) => {
        data[i + 1] = column.slice();
      });
      plot.setData(data);
      publish();
    },
    destroy() {
      window.removeEventListener('resize', resize);
      plot.destroy();
    },
  };
}

/** A horizontal bar per key: counts as bars, widths through the CSSOM (allowed by the CSP). */
export function barList(container, entries, label) {
  const max = Math.max(1, ...entries.map(([, count]) => count));
  container.replaceChildren(
    el('p', {class: 'muted', text: entries.length ? label : 'No batches executed yet.'}),
    el('ul', {class: 'bars'}, entries.map(([key, count]) => {
      const bar = el('span', {class: 'bar'});
      bar.style.width = (100 * count / max).toFixed(1) + '%';
      return el('li', {'data-batch-size': key},
        el('span', {class: 'bar-key', text: key}), el('span', {class: 'bar-track'}, bar),
        el('span', {class: 'bar-value', text: String(count)}));
    })));
}
