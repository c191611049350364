// The finance dashboard: sign in with a finance, admin or operator key, pick UTC days (and, for the operator, a
// tenant), read spend, unit costs, budgets and alerts, export, and project a workload's cost. State and requests
// live here.
import { render } from 'preact';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { apiKey, FinanceApiError, financeApi } from './finance-api.js';
import { SpendChart } from './finance-chart.js';
import { html } from './finance-html.js';
import {
  isoDay,
  presetRange,
  priceChoices,
  rangeProblem,
  spendSeries,
  tenantLabel,
  tenantRows,
} from './finance-model.js';
import {
  AlertList,
  BudgetGauges,
  ProjectionPanel,
  RangeBar,
  SignIn,
  Summary,
  TenantTable,
  UnpricedTable,
} from './finance-views.js';

const today = () => isoDay(new Date());

/** The range and tenant in the address (#from=…&to=…&tenant=…), so a view can be bookmarked; no figures. */
function readLocation() {
  const params = new URLSearchParams(location.hash.slice(1));
  const fallback = presetRange('30d', today());
  const from = params.get('from') ?? fallback.from;
  const to = params.get('to') ?? fallback.to;
  return { range: rangeProblem(from, to) ? fallback : { from, to }, tenantId: params.get('tenant') };
}

function writeLocation(range, tenantId) {
  const params = new URLSearchParams({ from: range.from, to: range.to });
  if (tenantId) params.set('tenant', tenantId);
  history.replaceState(null, '', `#${params}`);
}

const Panel = ({ id, title, children, note }) =>
  html`<section class="panel" aria-labelledby=${`${id}-title`} id=${`${id}-panel`}>
    <div class="panel-head">
      <h2 id=${`${id}-title`}>${title}</h2>
      ${note ? html`<span class="muted">${note}</span>` : null}
    </div>
    ${children}
  </section>`;

function Dashboard({ tenants, prices, onAuthFailure }) {
  const initial = useMemo(readLocation, []);
  const [range, setRange] = useState(initial.range);
  const [tenantId, setTenantId] = useState(tenants.some((t) => t.id === initial.tenantId) ? initial.tenantId : null);
  const [data, setData] = useState(null);
  const [loading, setLoading] = useState(false);
  const [banner, setBanner] = useState(null);
  const [problem, setProblem] = useState(null);
  const [projection, setProjection] = useState(null);
  const [projecting, setProjecting] = useState(false);
  const [exporting, setExporting] = useState(false);
  const latest = useRef(0);

  const failed = (error) => {
    // A key that stopped working signs out; any other refusal is shown and the page stays.
    if (error instanceof FinanceApiError && error.status === 401) return onAuthFailure(error);
    setBanner({
      kind: 'error',
      text: error instanceof FinanceApiError ? `${error.code}: ${error.message}` : String(error),
    });
  };

  useEffect(() => {
    const ticket = ++latest.current;
    const scoped = { ...range, tenantId: tenantId ?? undefined };
    setLoading(true);
    writeLocation(range, tenantId);
    Promise.all([
      financeApi.dailySpend(scoped),
      financeApi.unitCosts(scoped),
      financeApi.budgets(tenantId ?? undefined),
      financeApi.alerts(tenantId ?? undefined),
    ])
      .then(([view, unitCosts, budgets, alerts]) => {
        if (ticket !== latest.current) return; // a newer range was asked for meanwhile
        setData({ view, unitCosts, budgets, alerts, tenantId });
        setBanner(null);
      })
      .catch((error) => ticket === latest.current && failed(error))
      .finally(() => ticket === latest.current && setLoading(false));
  }, [range.from, range.to, tenantId]);

  const chart = useMemo(() => (data ? spendSeries(data.view) : null), [data]);
  const rows = useMemo(() => (data ? tenantRows(data.view, data.unitCosts, tenants) : []), [data, tenants]);
  const choices = useMemo(() => priceChoices(prices), [prices]);

  const apply = (next) => {
    const why = rangeProblem(next.from, next.to);
    setProblem(why);
    if (why) return;
    setRange({ from: next.from, to: next.to });
    setTenantId(next.tenantId);
    setProjection(null);
  };

  const exportAs = async (format) => {
    setExporting(true);
    try {
      const name = await financeApi.download({ ...range, tenantId: tenantId ?? undefined }, format);
      setBanner({ kind: 'info', text: `Downloaded ${name}.` });
    } catch (error) {
      failed(error);
    } finally {
      setExporting(false);
    }
  };

  const project = async (params) => {
    setProjecting(true);
    try {
      setProjection(await financeApi.projection({ ...params, tenantId: tenantId ?? undefined }));
    } catch (error) {
      failed(error);
    } finally {
      setProjecting(false);
    }
  };

  const scopeName =
    tenantId !== null
      ? tenantLabel(
          tenants.find((t) => t.id === tenantId),
          tenantId,
        )
      : tenants.length === 1
        ? tenants[0].name
        : 'All tenants';
  const view = data?.view;
  const month = data?.budgets[0]?.month ?? today().slice(0, 7);
  // #dashboard's data-range and data-tenant name the scope of the figures on screen (set when they arrive), not the
  // pickers' state, so a test or an assistive tool waiting on them never reads the previous scope's figures.
  return html`<div class="page">
    <header class="top">
      <h1>Clinex finance</h1>
      <span class="scope" id="scope">${scopeName}</span>
      <span class="spacer"></span>
      <button type="button" class="link" id="sign-out" onClick=${() => onAuthFailure(null)}>Sign out</button>
    </header>
    <${RangeBar}
      key=${`${range.from}|${range.to}|${tenantId}`}
      range=${range}
      today=${today()}
      tenants=${tenants}
      tenantId=${tenantId}
      onApply=${apply}
      problem=${problem}
    />
    <main
      id="dashboard"
      aria-busy=${loading ? 'true' : 'false'}
      data-range=${view ? `${view.from}..${view.to}` : ''}
      data-tenant=${data ? (data.tenantId ?? 'all') : ''}
    >
      ${banner ? html`<p class=${`banner banner-${banner.kind}`} role="status" id="banner">${banner.text}</p>` : null}
      ${
        !view
          ? html`<p class="empty">Loading…</p>`
          : html`<${Summary} view=${view} onExport=${exportAs} exporting=${exporting} />
              <div class="columns">
                <div class="col-main">
                  <${Panel} id="chart" title="Daily spend by engine · model" note="USD, priced usage, stacked">
                    <${SpendChart} days=${chart.days} series=${chart.series} />
                    ${
                      view.totals.unpricedEvents > 0
                        ? html`<p class="footnote warn" id="chart-unpriced">
                            ${view.totals.unpricedEvents} unpriced events are not in the chart: see Unpriced usage.
                          </p>`
                        : null
                    }
                  <//>
                  <${Panel} id="tenants" title="Spend and unit costs by tenant">
                    <${TenantTable} rows=${rows} />
                  <//>
                  <${Panel} id="unpriced" title="Unpriced usage" note="No price version applied: never counted as $0">
                    <${UnpricedTable} view=${view} tenants=${tenants} />
                  <//>
                </div>
                <div class="col-side">
                  <${Panel} id="budgets" title=${`Budget, ${month}`} note="month to date, run-rate forecast">
                    <${BudgetGauges} statuses=${data.budgets} tenants=${tenants} />
                  <//>
                  <${Panel} id="projection" title="What would it cost?" note="today's prices × measured usage per note">
                    <${ProjectionPanel}
                      choices=${choices}
                      onProject=${project}
                      result=${projection}
                      busy=${projecting}
                    />
                  <//>
                  <${Panel} id="alerts" title="Alerts" note="budget 50/80/100 %, soft limit, daily spikes">
                    <${AlertList}
                      alerts=${data.alerts}
                      tenants=${tenants}
                      showTenant=${tenantId === null && tenants.length > 1}
                    />
                  <//>
                </div>
              </div>`
      }
    </main>
  </div>`;
}

function App() {
  const [signedIn, setSignedIn] = useState(Boolean(apiKey.get()));
  const [message, setMessage] = useState('');
  const [reference, setReference] = useState(null);

  const signOut = (error) => {
    apiKey.clear();
    setSignedIn(false);
    setReference(null);
    setMessage(
      error === null
        ? ''
        : error.status === 403
          ? 'This key may not read finance figures: use a finance, admin or operator key.'
          : 'The key was not accepted. Sign in again.',
    );
  };

  useEffect(() => {
    if (!signedIn) return;
    Promise.all([financeApi.tenants(), financeApi.prices()])
      .then(([tenants, prices]) => setReference({ tenants, prices }))
      .catch((error) => (error instanceof FinanceApiError ? signOut(error) : setMessage(String(error))));
  }, [signedIn]);

  if (!signedIn) {
    return html`<${SignIn}
      message=${message}
      onSignIn=${(key) => {
        apiKey.set(key);
        setMessage('');
        setSignedIn(true);
      }}
    />`;
  }
  if (!reference) return html`<p class="empty loading-page">Loading…</p>`;
  return html`<${Dashboard} tenants=${reference.tenants} prices=${reference.prices} onAuthFailure=${signOut} />`;
}

render(html`<${App} />`, document.getElementById('app'));
