// The review page's only way to the server: /v1/review with the reviewer's API key in the Authorization header.
// Nothing identifying a patient ever goes into a URL: ids and filter values only.

const KEY_STORAGE = 'clinex.review.apiKey';

/** The key lives in sessionStorage: gone when the tab closes, never in a cookie or a URL. */
export const session = {
  key: () => sessionStorage.getItem(KEY_STORAGE),
  signIn: (key) => sessionStorage.setItem(KEY_STORAGE, key),
  signOut: () => sessionStorage.removeItem(KEY_STORAGE),
};

export class ApiError extends Error {
  /**
   * @param {number} status
   * @param {string} code
   * @param {string} detail
   * @param {{path: string, message: string}[]} errors
   */
  constructor(status, code, detail, errors) {
    super(detail);
    this.status = status;
    this.code = code;
    this.errors = errors;
  }
}

// Problem details (RFC 9457: code, detail, errors[].field/detail) or the older {error: {code, message, fields}}.
function toApiError(status, body) {
  const legacy = body && typeof body.error === 'object' ? body.error : null;
  const code = body?.code ?? legacy?.code ?? `HTTP_${status}`;
  const detail = body?.detail ?? legacy?.message ?? `the server answered ${status}`;
  const errors = Array.isArray(body?.errors)
    ? body.errors.map((e) => ({ path: e.field ?? e.path, message: e.detail ?? e.message }))
    : Array.isArray(legacy?.fields)
      ? legacy.fields.map((f) => ({ path: f.path, message: f.message }))
      : [];
  return new ApiError(status, code, detail, errors);
}

async function call(method, path, body) {
  const headers = { authorization: `Bearer ${session.key() ?? ''}`, accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    cache: 'no-store',
    credentials: 'omit',
  });
  if (response.status === 204) return null;
  const data = await response.json().catch(() => null);
  if (!response.ok) throw toApiError(response.status, data);
  return data;
}

const item = (id) => `/v1/review/items/${encodeURIComponent(id)}`;

export const api = {
  /** @param {Record<string, string>} filters */
  queue(filters) {
    const query = new URLSearchParams({ limit: '200' });
    for (const [name, value] of Object.entries(filters)) if (value) query.set(name, value);
    return call('GET', `/v1/review/queue?${query}`);
  },
  item: (id) => call('GET', item(id)),
  claim: (id) => call('POST', `${item(id)}/claim`, {}),
  release: (id) => call('DELETE', `${item(id)}/claim`),
  decide: (id, body) => call('POST', `${item(id)}/decision`, body),
  /** Best effort while the page goes away: keepalive lets the request outlive the page. */
  releaseOnExit(id) {
    const key = session.key();
    if (!key) return;
    void fetch(`${item(id)}/claim`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${key}` },
      keepalive: true,
      credentials: 'omit',
    }).catch(() => undefined);
  },
};
