// The server's events (/v1/events, server-sent) shared by every page: one EventSource for the
// whole console, resumed by the browser with Last-Event-ID after a drop; pages subscribe to
// the kinds they show and unsubscribe when they are left.

const KINDS = ['job', 'job_removed', 'port', 'port_status', 'server'];
const listeners = new Map(KINDS.map((k) => [k, new Set()]));
const stateListeners = new Set();
let source = null;
let state = 'connecting';

function setState(s) {
  state = s;
  for (const f of stateListeners) f(s);
}

/** Opens the stream (once signed in). */
export function connect() {
  if (source) return;
  source = new EventSource('/v1/events', { withCredentials: true });
  source.onopen = () => setState('live');
  source.onerror = () => setState(source && source.readyState === EventSource.CLOSED ? 'closed' : 'reconnecting');
  for (const kind of KINDS) {
    source.addEventListener(kind, (e) => {
      let ev;
      try { ev = JSON.parse(e.data); } catch { return; }
      for (const f of listeners.get(kind)) f(ev);
    });
  }
}

/** Closes the stream (on sign-out). */
export function disconnect() {
  if (source) source.close();
  source = null;
  setState('closed');
}

/** Calls `f(event)` for each event of `kind`; returns the function that stops it. */
export function on(kind, f) {
  listeners.get(kind).add(f);
  return () => listeners.get(kind).delete(f);
}

/** Calls `f(state)` now and whenever the connection's state changes. */
export function onState(f) {
  stateListeners.add(f);
  f(state);
  return () => stateListeners.delete(f);
}
