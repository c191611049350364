// The dashboard's only source of figures: /v1/finance, with the user's API key as a Bearer token. The key never
// goes into a URL or a cookie, so the API's role and tenant checks decide what this page can show.

const STORAGE_KEY = 'clinex.finance.apiKey';

/** Kept for this tab only (sessionStorage): closing the tab signs out. */
export const apiKey = {
  get: () => sessionStorage.getItem(STORAGE_KEY),
  set: (key) => sessionStorage.setItem(STORAGE_KEY, key),
  clear: () => sessionStorage.removeItem(STORAGE_KEY),
};

/** A refused request, from the API's RFC 9457 problem document. */
export class FinanceApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail ?? `the gateway answered ${status}`);
    this.status = status;
    this.code = problem?.code ?? `HTTP_${status}`;
  }
}

async function request(path, accept) {
  const response = await fetch(path, {
    headers: { authorization: `Bearer ${apiKey.get() ?? ''}`, accept },
    cache: 'no-store',
    credentials: 'omit',
  });
  if (!response.ok) throw new FinanceApiError(response.status, await response.json().catch(() => null));
  return response;
}

const getJson = async (path) => (await request(path, 'application/json')).json();

/** The query string of a request: empty values left out. */
const query = (params) => {
  const q = new URLSearchParams();
  for (const [name, value] of Object.entries(params))
    if (value !== undefined && value !== null && value !== '') q.set(name, String(value));
  const text = q.toString();
  return text ? `?${text}` : '';
};

export const financeApi = {
  tenants: () => getJson('/v1/finance/tenants'),
  prices: () => getJson('/v1/finance/prices'),
  /** @param {{from: string, to: string, tenantId?: string}} range */
  dailySpend: (range) => getJson(`/v1/finance/daily-spend${query(range)}`),
  unitCosts: (range) => getJson(`/v1/finance/unit-costs${query(range)}`),
  budgets: (tenantId) => getJson(`/v1/finance/budgets${query({ tenantId })}`),
  alerts: (tenantId) => getJson(`/v1/finance/alerts${query({ tenantId, limit: 20 })}`),
  projection: (params) => getJson(`/v1/finance/projection${query(params)}`),

  /**
   * The daily spend of a range as a file, exactly as the API sends it (CSV or JSON), saved through a temporary
   * link: the Authorization header rules out a plain <a href> download.
   */
  async download(range, format) {
    const response = await request(
      `/v1/finance/daily-spend${query({ ...range, format })}`,
      format === 'csv' ? 'text/csv' : 'application/json',
    );
    const disposition = /filename="([^"]+)"/.exec(response.headers.get('content-disposition') ?? '');
    const name = disposition?.[1] ?? `clinex-spend-${range.from}-${range.to}.${format}`;
    const url = URL.createObjectURL(await response.blob());
    const link = Object.assign(document.createElement('a'), { href: url, download: name, hidden: true });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 30_000);
    return name;
  },
};
