// Server-sent events over fetch: EventSource cannot send the Authorization header that the
// training endpoints need when the server has an admin token.
import {token} from './token.js';

/** Reads the stream, calling onEvent(name, data) per event; resolves when the stream ends. */
export async function readEvents(path, onEvent, signal) {
  const headers = new Headers({Accept: 'text/event-stream'});
  const bearer = token();
  if (bearer) headers.set('Authorization', 'Bearer ' + bearer);
  const response = await fetch(path, {headers, signal, cache: 'no-store'});
  if (!response.ok) {
    const error = new Error((await response.text()) || response.statusText);
    error.status = response.status;
    throw error;
  }
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const {value, done} = await reader.read();
    if (done) return;
    buffer += value.replace(/\r\n?/g, '\n');
    let end;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      dispatch(buffer.slice(0, end), onEvent);
      buffer = buffer.slice(end + 2);
    }
  }
}

function dispatch(block, onEvent) {
  let name = 'message';
  const data = [];
  for (const line of block.split('\n')) {
    if (line.startsWith('event:')) name = line.slice(6).trim();
    else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
  }
  if (data.length) onEvent(name, JSON.parse(data.join('\n')));
}
