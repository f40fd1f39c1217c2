// The console's router: #/models, #/models/{name}, #/training, #/training/{id}, #/server. Each view
// renders into <main> and returns a function that stops its timers and streams.
import {$, describeError, el, notify} from './dom.js';
import {askToken, updateButton} from './token.js';
import {modelsView} from './models.js';
import {modelView} from './model.js';
import {trainingView} from './training.js';
import {jobView} from './job.js';
import {serverView} from './server.js';

const ROUTES = [
  [/^#\/models\/([^/]+)$/, 'models', modelView],
  [/^#\/training\/([^/]+)$/, 'training', jobView],
  [/^#\/training$/, 'training', trainingView],
  [/^#\/server$/, 'server', serverView],
  [/^(?:#\/?(?:models)?)?$/, 'models', modelsView],
];

let stop = null;

async function route() {
  if (stop) stop();
  stop = null;
  notify('');
  const main = $('#main');
  main.replaceChildren();
  const hash = location.hash;
  const match = ROUTES.find(([pattern]) => pattern.test(hash));
  if (!match) {
    main.append(el('h1', {text: 'Not found'}), el('p', {}, el('a', {href: '#/models'}, 'Models')));
    return;
  }
  const [pattern, section, view] = match;
  for (const link of document.querySelectorAll('nav a[data-section]')) {
    if (link.dataset.section === section) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  const args = pattern.exec(hash).slice(1);
  try {
    stop = (await view(main, ...args.map((a) => (a ? decodeURIComponent(a) : a)))) || null;
  } catch (error) {
    notify(describeError(error), 'error');
  }
}

$('#token-button').addEventListener('click', async () => {
  if (await askToken()) route();
});
updateButton();
window.addEventListener('hashchange', () => {
  route();
  $('#main').focus({preventScroll: true});
});
route();
