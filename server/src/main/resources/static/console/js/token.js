// The admin token: asked for in a dialog, kept in sessionStorage only (gone when the tab closes).
import {$} from './dom.js';

const KEY = 'modelserver.adminToken';

export function token() {
  return sessionStorage.getItem(KEY);
}

export function setToken(value) {
  if (value) sessionStorage.setItem(KEY, value);
  else sessionStorage.removeItem(KEY);
  updateButton();
}

export function updateButton() {
  $('#token-button').textContent = token() ? 'Admin token: set' : 'Admin token';
}

/** Opens the dialog; resolves true when a token was entered, false when cancelled. */
export function askToken(reason) {
  const dialog = $('#token-dialog');
  const input = $('#token-input');
  $('#token-reason').textContent = reason || 'Management actions need the server\'s admin token.';
  input.value = '';
  return new Promise((resolve) => {
    const done = (entered) => {
      $('#token-form').removeEventListener('submit', submit);
      $('#token-cancel').removeEventListener('click', cancel);
      $('#token-forget').removeEventListener('click', forget);
      dialog.removeEventListener('cancel', cancel);
      if (dialog.open) dialog.close();
      resolve(entered);
    };
    const submit = (event) => {
      event.preventDefault();
      if (!input.value) return;
      setToken(input.value);
      done(true);
    };
    const cancel = (event) => {
      if (event) event.preventDefault();
      done(false);
    };
    const forget = () => {
      setToken(null);
      done(false);
    };
    $('#token-form').addEventListener('submit', submit);
    $('#token-cancel').addEventListener('click', cancel);
    $('#token-forget').addEventListener('click', forget);
    dialog.addEventListener('cancel', cancel);
    dialog.showModal();
    input.focus();
  });
}
