// The console's only way to the server: the /v1 API with the session cookie, the session's
// CSRF token on every change, and problem+json errors turned into ApiError.

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem ? problem.detail || problem.title : `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
  }
}

const session = { csrf: '', user: '', role: '' };
let onSignedOut = () => {};

export function setSession(s) {
  session.csrf = s ? s.csrf_token : '';
  session.user = s ? s.user : '';
  session.role = s ? s.role : '';
}
export function currentUser() { return { ...session }; }
export function isAdmin() { return session.role === 'admin'; }
export function whenSignedOut(f) { onSignedOut = f; }

/** Calls the API. `body`: an object (sent as JSON) or FormData. Answers parsed JSON, text or null. */
export async function api(method, path, body, extraHeaders) {
  const headers = { Accept: 'application/json', ...(extraHeaders || {}) };
  if (method !== 'GET' && method !== 'HEAD' && session.csrf) headers['X-CSRF-Token'] = session.csrf;
  let payload;
  if (body instanceof FormData) payload = body;
  else if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  let r;
  try {
    r = await fetch(path, { method, headers, body: payload, credentials: 'same-origin' });
  } catch (e) {
    throw new ApiError(0, { title: 'No connection', detail: 'the fax server cannot be reached: check that faxd runs' });
  }
  const type = r.headers.get('Content-Type') || '';
  const data = r.status === 204 ? null : type.includes('json') ? await r.json().catch(() => null) : await r.text();
  if (!r.ok) {
    if (r.status === 401 && path !== '/v1/session') onSignedOut();
    throw new ApiError(r.status, typeof data === 'object' ? data : { title: `HTTP ${r.status}`, detail: String(data || r.statusText) });
  }
  return data;
}

export const get = (p) => api('GET', p);
export const post = (p, b, h) => api('POST', p, b, h);
export const patch = (p, b) => api('PATCH', p, b);
export const put = (p, b) => api('PUT', p, b);
export const del = (p) => api('DELETE', p);
