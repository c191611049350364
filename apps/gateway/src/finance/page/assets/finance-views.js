// The dashboard's panels. Stateless: data and callbacks arrive in props; finance-app.js owns state and requests.
// Every amount shows rounded for reading and carries its exact value in data-usd (and the title).
import { useState } from 'preact/hooks';
import { html } from './finance-html.js';
import { formatCount, formatUsd, gauge, presetRange, tenantLabel, unpricedGroups } from './finance-model.js';

const utcTime = (iso) => `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;

/** An amount: rounded text, exact value in data-usd and title. */
export const Usd = ({ value, id, lowerBound = false }) =>
  html`<span id=${id} class="usd" data-usd=${value} title=${`$${value}${lowerBound ? ' (lower bound)' : ''}`}
    >${lowerBound ? '≥ ' : ''}${formatUsd(value)}</span
  >`;

/** A tenant's name; with `slug`, its slug under it (the table, where tenants are told apart). */
const TenantName = ({ tenant, id, slug = false }) =>
  html`<span class="tenant-name">${tenantLabel(tenant, id)}</span>${
      slug && tenant ? html`<span class="muted slug">${tenant.slug}</span>` : null
    }`;

export function SignIn({ message, onSignIn }) {
  const [key, setKey] = useState('');
  const submit = (e) => {
    e.preventDefault();
    if (key.trim()) onSignIn(key.trim());
  };
  return html`<main class="signin">
    <form onSubmit=${submit} autocomplete="off">
      <h1>Clinex finance</h1>
      <p class="muted">
        Sign in with a finance or admin API key of your tenant (or a platform operator's key). It stays in this browser
        tab and is sent only as an Authorization header.
      </p>
      <label for="api-key">API key</label>
      <input
        id="api-key"
        type="password"
        value=${key}
        onInput=${(e) => setKey(e.target.value)}
        spellcheck=${false}
        autofocus
      />
      <button type="submit" id="sign-in" class="primary">Sign in</button>
      ${message ? html`<p class="banner banner-error" role="alert" id="sign-in-error">${message}</p>` : null}
    </form>
  </main>`;
}

/** From/to (UTC days), presets, and the tenant choice where the key sees more than one. */
export function RangeBar({ range, today, tenants, tenantId, onApply, problem }) {
  const [from, setFrom] = useState(range.from);
  const [to, setTo] = useState(range.to);
  const [tenant, setTenant] = useState(tenantId ?? '');
  const apply = (next) => onApply({ from: next.from, to: next.to, tenantId: tenant || null });
  const preset = (name) => {
    const r = presetRange(name, today);
    setFrom(r.from);
    setTo(r.to);
    apply(r);
  };
  return html`<form
    class="range-bar"
    id="range-form"
    aria-label="Date range and tenant"
    onSubmit=${(e) => {
      e.preventDefault();
      apply({ from, to });
    }}
  >
    ${
      tenants.length > 1
        ? html`<label class="field"
            >Tenant
            <select
              id="tenant"
              value=${tenant}
              onChange=${(e) => {
                setTenant(e.target.value);
                onApply({ from, to, tenantId: e.target.value || null });
              }}
            >
              <option value="">All tenants (${tenants.length})</option>
              ${tenants.map((t) => html`<option value=${t.id}>${t.name}</option>`)}
            </select>
          </label>`
        : null
    }
    <label class="field"
      >From
      <input id="range-from" type="date" value=${from} max=${today} required onInput=${(e) => setFrom(e.target.value)}
    /></label>
    <label class="field"
      >To <input id="range-to" type="date" value=${to} max=${today} required onInput=${(e) => setTo(e.target.value)}
    /></label>
    <button type="submit" id="range-apply" class="primary">Show</button>
    <span class="presets" role="group" aria-label="Quick ranges">
      <button type="button" onClick=${() => preset('7d')}>7 days</button>
      <button type="button" onClick=${() => preset('30d')}>30 days</button>
      <button type="button" onClick=${() => preset('month')}>This month</button>
      <button type="button" onClick=${() => preset('last-month')}>Last month</button>
    </span>
    <span class="muted utc-note" id="utc-note">Days are UTC calendar days (00:00–24:00 UTC), both ends included.</span>
    ${problem ? html`<span class="banner banner-error" role="alert">${problem}</span>` : null}
  </form>`;
}

export function Summary({ view, onExport, exporting }) {
  return html`<section class="summary" aria-label="Totals for the range">
    <div class="card">
      <span class="card-label">Spend, priced</span>
      <span class="card-value"><${Usd} id="total-spend" value=${view.totals.costUsd} /></span>
      <span class="muted">${view.from} – ${view.to}</span>
    </div>
    <div class="card">
      <span class="card-label">Priced events</span>
      <span class="card-value" id="total-priced-events">${formatCount(view.totals.pricedEvents)}</span>
    </div>
    <div class=${`card ${view.totals.unpricedEvents > 0 ? 'card-warning' : ''}`}>
      <span class="card-label">Unpriced events</span>
      <span class="card-value" id="total-unpriced-events">${formatCount(view.totals.unpricedEvents)}</span>
      <span class="muted">${view.totals.unpricedEvents > 0 ? 'not in the spend: no price' : 'all usage priced'}</span>
    </div>
    <div class="card exports">
      <span class="card-label">Export the daily spend</span>
      <span class="export-buttons">
        <button type="button" id="export-csv" disabled=${exporting} onClick=${() => onExport('csv')}>
          Download CSV
        </button>
        <button type="button" id="export-json" disabled=${exporting} onClick=${() => onExport('json')}>
          Download JSON
        </button>
      </span>
      <span class="muted">Per day, tenant, engine, model and purpose</span>
    </div>
  </section>`;
}

export function TenantTable({ rows }) {
  if (rows.length === 0) return html`<p class="empty">No usage in this range.</p>`;
  const unit = (r, field) => {
    const value = r.unit?.[field];
    if (value === null || value === undefined)
      return html`<span class="muted" title="nothing to divide by in this range">—</span>`;
    return html`<${Usd} value=${value} lowerBound=${r.unit.unpricedEvents > 0} />`;
  };
  return html`<div class="table-scroll">
      <table id="tenant-table">
        <caption class="visually-hidden">
          Spend and unit costs per tenant for the range
        </caption>
        <thead>
          <tr>
            <th scope="col">Tenant</th>
            <th scope="col" class="num">Spend, priced</th>
            <th scope="col" class="num">Priced events</th>
            <th scope="col" class="num">Unpriced events</th>
            <th scope="col" class="num">Notes</th>
            <th scope="col" class="num">Per note</th>
            <th scope="col" class="num">Per 1,000 chars</th>
            <th scope="col" class="num">Per accepted medication</th>
          </tr>
        </thead>
        <tbody>
          ${rows.map(
            (r) =>
              html`<tr data-tenant-id=${r.tenantId}>
                <th scope="row"><${TenantName} tenant=${r.tenant} id=${r.tenantId} slug /></th>
                <td class="num" data-col="spend"><${Usd} value=${r.spendUsd} /></td>
                <td class="num" data-col="priced-events">${formatCount(r.pricedEvents)}</td>
                <td class=${`num ${r.unpricedEvents > 0 ? 'warn' : ''}`} data-col="unpriced-events">
                  ${formatCount(r.unpricedEvents)}
                </td>
                <td class="num" data-col="notes">${formatCount(r.unit?.notes ?? 0)}</td>
                <td class="num" data-col="per-note">${unit(r, 'perNoteUsd')}</td>
                <td class="num" data-col="per-1000-chars">${unit(r, 'perThousandCharactersUsd')}</td>
                <td class="num" data-col="per-accepted-medication">${unit(r, 'perAcceptedMedicationUsd')}</td>
              </tr>`,
          )}
        </tbody>
      </table>
    </div>
    <p class="muted footnote">
      Unit costs divide the range's priced spend by the notes metered in it; ≥ marks a lower bound where some usage has
      no price.
    </p>`;
}

export function UnpricedTable({ view, tenants }) {
  const groups = unpricedGroups(view);
  if (groups.length === 0) return html`<p class="empty" id="unpriced-none">All usage in this range has a price.</p>`;
  const several = new Set(groups.map((g) => g.tenantId)).size > 1 || view.tenantIds === 'all';
  return html`<div class="table-scroll">
    <table id="unpriced-table">
      <caption class="visually-hidden">
        Usage with no price version, not counted in any spend
      </caption>
      <thead>
        <tr>
          ${several ? html`<th scope="col">Tenant</th>` : null}
          <th scope="col">Engine · model</th>
          <th scope="col">Purpose</th>
          <th scope="col">Days</th>
          <th scope="col" class="num">Events</th>
          <th scope="col" class="num">Input tokens</th>
          <th scope="col" class="num">Output tokens</th>
          <th scope="col">Cost</th>
        </tr>
      </thead>
      <tbody>
        ${groups.map(
          (g) =>
            html`<tr>
              ${several ? html`<td><${TenantName} tenant=${tenants.find((t) => t.id === g.tenantId)} id=${g.tenantId} /></td>` : null}
              <th scope="row">${g.engine} · ${g.model}</th>
              <td>${g.purpose}</td>
              <td>${g.firstDay === g.lastDay ? g.firstDay : `${g.firstDay} – ${g.lastDay}`}</td>
              <td class="num">${formatCount(g.events)}</td>
              <td class="num">${formatCount(g.inputTokens)}</td>
              <td class="num">${formatCount(g.outputTokens)}</td>
              <td><span class="badge badge-warning">no price</span></td>
            </tr>`,
        )}
      </tbody>
    </table>
  </div>`;
}

const STATE_TEXT = {
  no_budget: 'no budget',
  ok: 'within budget',
  soft_exceeded: 'soft limit passed',
  hard_exceeded: 'hard limit reached: LLM requests fall back',
};

export function BudgetGauges({ statuses, tenants }) {
  if (statuses.length === 0) return html`<p class="empty">No budget or spend this month.</p>`;
  return html`<div class="budgets" id="budgets">
    ${statuses.map((s) => {
      const g = gauge(s);
      const limit = s.hardLimitUsd ?? s.softLimitUsd;
      return html`<article class=${`budget state-${s.state}`} data-tenant-id=${s.tenantId}>
        <h3>
          <${TenantName} tenant=${tenants.find((t) => t.id === s.tenantId)} id=${s.tenantId} />
          <span class=${`badge badge-${s.state}`}>${STATE_TEXT[s.state]}</span>
        </h3>
        <div
          class="gauge"
          role="meter"
          aria-label=${`Month-to-date spend ${s.month}`}
          aria-valuemin="0"
          aria-valuemax=${limit ?? s.forecastUsd}
          aria-valuenow=${s.monthToDateUsd}
          aria-valuetext=${`${formatUsd(s.monthToDateUsd)}${limit ? ` of ${formatUsd(limit)}` : ''}, forecast ${formatUsd(s.forecastUsd)}`}
        >
          <span
            class=${`gauge-forecast ${g.forecastBeyond ? 'beyond' : ''}`}
            style=${{ width: `${g.forecast}%` }}
          ></span>
          <span class="gauge-spent" style=${{ width: `${g.spent}%` }}></span>
          ${g.soft !== null ? html`<span class="gauge-mark mark-soft" style=${{ left: `${g.soft}%` }} title="soft limit"></span>` : null}
          ${g.hard !== null ? html`<span class="gauge-mark mark-hard" style=${{ left: `${g.hard}%` }} title="hard limit"></span>` : null}
        </div>
        <dl class="budget-figures">
          <div>
            <dt>Month to date</dt>
            <dd>
              <${Usd}
                value=${s.monthToDateUsd}
              />${s.percentOfBudget !== null ? html` <span class="muted">(${s.percentOfBudget}%)</span>` : null}
            </dd>
          </div>
          <div>
            <dt>Forecast, ${s.month}</dt>
            <dd class=${limit !== null && Number(s.forecastUsd) > Number(limit) ? 'warn' : ''}>
              <${Usd} value=${s.forecastUsd} />
            </dd>
          </div>
          <div>
            <dt><span class="key key-soft"></span>Soft limit</dt>
            <dd>${s.softLimitUsd === null ? '—' : html`<${Usd} value=${s.softLimitUsd} />`}</dd>
          </div>
          <div>
            <dt><span class="key key-hard"></span>Hard limit</dt>
            <dd>${s.hardLimitUsd === null ? '—' : html`<${Usd} value=${s.hardLimitUsd} />`}</dd>
          </div>
        </dl>
        ${s.unpricedEvents > 0 ? html`<p class="muted footnote">${formatCount(s.unpricedEvents)} unpriced events this month are not in these figures.</p>` : null}
      </article>`;
    })}
  </div>`;
}

const ALERT_KIND = {
  budget: (a) => `Budget ${a.thresholdPercent}%`,
  soft_limit: () => 'Soft limit',
  daily_spike: () => 'Daily spike',
};

export function AlertList({ alerts, tenants, showTenant }) {
  if (alerts.length === 0) return html`<p class="empty" id="alerts-none">No alerts.</p>`;
  return html`<ol class="alerts" id="alerts">
    ${alerts.map(
      (a) =>
        html`<li class=${`alert alert-${a.kind}`} data-alert-id=${a.id} data-kind=${a.kind}>
          <div class="alert-head">
            <span class=${`badge badge-alert-${a.kind}`}>${ALERT_KIND[a.kind](a)}</span>
            ${showTenant ? html`<${TenantName} tenant=${tenants.find((t) => t.id === a.tenantId)} id=${a.tenantId} />` : null}
            <time datetime=${a.createdAt} class="muted">${utcTime(a.createdAt)}</time>
          </div>
          <p class="alert-message">${a.message}</p>
          <p class="muted alert-delivery">
            ${
              a.deliveredAt
                ? `Sent to the webhook ${utcTime(a.deliveredAt)}`
                : a.deliveryAttempts > 0
                  ? `Not delivered yet (${a.deliveryAttempts} attempts${a.lastError ? `: ${a.lastError}` : ''})`
                  : 'Not sent: no webhook configured yet'
            }
          </p>
        </li>`,
    )}
  </ol>`;
}

export function ProjectionPanel({ choices, onProject, result, busy }) {
  const [notes, setNotes] = useState('1000');
  const [engine, setEngine] = useState(choices.engines[0] ?? '');
  const models = choices.models(engine);
  const [model, setModel] = useState(models[0] ?? '');
  const chosenModel = models.includes(model) ? model : (models[0] ?? '');
  const submit = (e) => {
    e.preventDefault();
    onProject({ notesPerDay: notes, engine, model: chosenModel });
  };
  return html`<form class="projection" id="projection-form" onSubmit=${submit}>
      <label class="field"
        >Notes a day
        <input
          id="projection-notes"
          type="number"
          min="1"
          max="9999999"
          step="1"
          required
          value=${notes}
          onInput=${(e) => setNotes(e.target.value)}
      /></label>
      <label class="field"
        >Engine
        <select id="projection-engine" value=${engine} onChange=${(e) => setEngine(e.target.value)}>
          ${choices.engines.map((x) => html`<option value=${x}>${x}</option>`)}
        </select>
      </label>
      <label class="field"
        >Model
        <select id="projection-model" value=${chosenModel} onChange=${(e) => setModel(e.target.value)}>
          ${models.map((x) => html`<option value=${x}>${x}</option>`)}
        </select>
      </label>
      <button type="submit" id="projection-run" class="primary" disabled=${busy || !chosenModel}>Project</button>
    </form>
    <div id="projection-result" aria-live="polite">${result ? html`<${ProjectionResult} p=${result} />` : null}</div>`;
}

function ProjectionResult({ p }) {
  const m = p.measured;
  if (p.reason) {
    return html`<p class="banner banner-warning" data-state="none">
      No projection for ${p.engine} · ${p.model}: ${p.reason}.
    </p>`;
  }
  const perNote = [
    m.inputTokens + m.outputTokens > 0
      ? `${formatCount(Math.round(m.inputTokens))} input and ${formatCount(Math.round(m.outputTokens))} output tokens`
      : null,
    m.modelSeconds > 0 ? `${m.modelSeconds.toFixed(2)} model seconds` : null,
  ].filter(Boolean);
  return html`<dl class="projection-figures" data-state="projected">
      <div>
        <dt>Per note</dt>
        <dd><${Usd} id="projection-per-note" value=${p.perNoteUsd} /></dd>
      </div>
      <div>
        <dt>Per day, ${formatCount(p.notesPerDay)} notes</dt>
        <dd><${Usd} id="projection-per-day" value=${p.perDayUsd} /></dd>
      </div>
      <div>
        <dt>Per 30 days</dt>
        <dd><${Usd} id="projection-per-30-days" value=${p.per30DaysUsd} /></dd>
      </div>
    </dl>
    <p class="muted footnote" id="projection-basis">
      ${
        `${p.engine} · ${p.model} at price version ${p.priceVersion.version} (from ` +
        `${p.priceVersion.effectiveFrom.slice(0, 10)}), measured ${perNote.join(' and ')} per note over ` +
        `${formatCount(m.notes)} notes in the last 30 days.`
      }
    </p>`;
}
