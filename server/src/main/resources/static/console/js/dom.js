// Building DOM nodes: text always goes in as text nodes, never parsed as HTML, so server data
// cannot become markup.

/** el('a', {href: '#/x', class: 'c', onclick: f}, 'text', child) */
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === 'class') node.className = value;
    else if (key === 'text') node.textContent = value;
    else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? '' : String(value));
  }
  append(node, children);
  return node;
}

function append(node, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : String(child));
  }
}

export const $ = (selector, root = document) => root.querySelector(selector);

/** A table: headers, then rows of cells (text or nodes). */
export function table(headers, rows, props = {}) {
  return el('div', {class: 'table-wrap'},
    el('table', props,
      el('thead', {}, el('tr', {}, headers.map((h) => el('th', {scope: 'col'}, h)))),
      el('tbody', {}, rows)));
}

/** A status line at the top of the page; errors stay until the next message. */
export function notify(message, kind = 'info') {
  const notice = $('#notice');
  notice.hidden = !message;
  notice.className = 'notice ' + kind;
  notice.textContent = message || '';
}

/** A short, human message for a failed call. */
export function describeError(error) {
  if (error && error.status === 401) {
    return 'Not authorised (401): ' + error.message;
  }
  if (error && error.status === 403) {
    return 'Forbidden (403): ' + error.message;
  }
  if (error && error.status) {
    return 'Error ' + error.status + ': ' + error.message;
  }
  return String(error && error.message ? error.message : error);
}

export function formatNumber(value, digits = 2) {
  if (value === null || value === undefined || Number.isNaN(value)) return '–';
  return Number(value).toLocaleString('en', {maximumFractionDigits: digits});
}

export function formatBytes(bytes) {
  if (!Number.isFinite(bytes)) return '–';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let unit = 0;
  while (bytes >= 1024 && unit < units.length - 1) {
    bytes /= 1024;
    unit++;
  }
  return formatNumber(bytes, 1) + ' ' + units[unit];
}

export function formatDuration(seconds) {
  if (!Number.isFinite(seconds)) return '–';
  const s = Math.floor(seconds);
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  return (d ? d + 'd ' : '') + (d || h ? h + 'h ' : '') + m + 'm ' + (s % 60) + 's';
}
