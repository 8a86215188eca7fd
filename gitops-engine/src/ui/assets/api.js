// The REST API (Argo CD's routes and JSON shapes) and the application stream.
// The session token travels in the `argocd.token` cookie the login sets.

/** An API call that did not succeed; `status` is the HTTP status. */
export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

let onUnauthenticated = () => {};

/** Sets what happens when a call answers 401 (the session is gone). */
export function setUnauthenticatedHandler(handler) {
  onUnauthenticated = handler;
}

async function request(method, path, body) {
  const init = { method, credentials: 'same-origin', headers: { Accept: 'application/json' } };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const response = await fetch(path, init);
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!response.ok) {
    const message = (data && (data.message || data.error)) || text || response.statusText;
    if (response.status === 401 && !path.startsWith('/api/v1/session')) onUnauthenticated();
    throw new ApiError(response.status, message);
  }
  return data;
}

const app = (name) => `/api/v1/applications/${encodeURIComponent(name)}`;

/** The API calls the UI makes. */
export const api = {
  login: (username, password) => request('POST', '/api/v1/session', { username, password }),
  logout: () => request('DELETE', '/api/v1/session'),
  userInfo: () => request('GET', '/api/v1/session/userinfo'),
  version: () => request('GET', '/api/version'),
  applications: () => request('GET', '/api/v1/applications'),
  application: (name, refresh) =>
    request('GET', refresh ? `${app(name)}?refresh=${refresh}` : app(name)),
  resourceTree: (name) => request('GET', `${app(name)}/resource-tree`),
  managedResources: (name) => request('GET', `${app(name)}/managed-resources`),
  resource: (name, ref) => request('GET', `${app(name)}/resource?${new URLSearchParams({
    namespace: ref.namespace || '', resourceName: ref.name, group: ref.group || '',
    version: ref.version || '', kind: ref.kind,
  })}`),
  sync: (name, options) => request('POST', `${app(name)}/sync`, options),
  rollback: (name, id, prune) => request('POST', `${app(name)}/rollback`, { id, prune }),
  remove: (name, cascade) => request('DELETE', `${app(name)}?cascade=${cascade}`),
};

/**
 * Follows `/api/v1/stream/applications`: calls `onEvent({type, application})`
 * for each change and `onState(connected)` when the stream opens or drops
 * (the browser reconnects by itself). Returns a function that stops it.
 */
export function watchApplications(onEvent, onState) {
  const source = new EventSource('/api/v1/stream/applications');
  source.onopen = () => onState(true);
  source.onerror = () => onState(false);
  source.onmessage = (message) => {
    let parsed;
    try {
      parsed = JSON.parse(message.data);
    } catch {
      return;
    }
    const event = parsed && parsed.result;
    if (event && event.application) onEvent(event);
  };
  return () => source.close();
}
