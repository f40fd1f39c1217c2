// The one way the console calls the server: same-origin fetch, with the admin token (when one was
// given) as a bearer token. The server's access rules decide, exactly as for curl.
import {askToken, token} from './token.js';

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }

  get denied() {
    return this.status === 401 || this.status === 403;
  }
}

/** The repository index (a POST, as Triton has it), or null without management access. */
export function repositoryIndex() {
  return tryManagement('/v2/repository/index', {method: 'POST', json: {}});
}

/** Calls the API; answers the parsed JSON (or text), throws ApiError on a status >= 400. */
export async function api(path, {method = 'GET', json, body, headers = {}} = {}) {
  const sent = new Headers(headers);
  const bearer = token();
  if (bearer) sent.set('Authorization', 'Bearer ' + bearer);
  if (json !== undefined) {
    sent.set('Content-Type', 'application/json');
    body = JSON.stringify(json);
  }
  const response = await fetch(path, {method, headers: sent, body, cache: 'no-store'});
  const text = await response.text();
  const data = parse(text, response.headers.get('Content-Type'));
  if (!response.ok) {
    const message = data && typeof data === 'object' && data.error ? data.error : text;
    throw new ApiError(response.status, message || response.statusText);
  }
  return data;
}

function parse(text, type) {
  if (!text) return null;
  if (type && type.includes('json')) {
    try {
      return JSON.parse(text);
    } catch (e) {
      return text;
    }
  }
  return text;
}

/**
 * A management call: on 401 asks for the admin token (saying when the one sent was refused) and
 * tries again, until it works or the dialog is cancelled. A 403 is not a token problem (no admin
 * token is configured and this is not the loopback management port), so it is thrown as it is.
 */
export async function manage(path, options) {
  for (;;) {
    try {
      return await api(path, options);
    } catch (error) {
      if (!(error instanceof ApiError) || error.status !== 401) throw error;
      const reason = token()
        ? 'The server refused this admin token (401). Enter the right one.'
        : 'This action needs the admin token (401).';
      if (!(await askToken(reason))) throw error;
    }
  }
}

/** A management read; null when the caller may not (no prompt) or it is not there. */
export async function tryManagement(path, options) {
  try {
    return await api(path, options);
  } catch (error) {
    if (error instanceof ApiError && (error.denied || error.status === 404)) return null;
    throw error;
  }
}
