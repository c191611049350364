// Pure helpers of the finance dashboard: exact money arithmetic, UTC day ranges, and the shapes the views draw.
// No DOM here. Money arrives as exact decimal strings; sums stay exact (BigInt fixed point) and only the chart,
// which needs numbers to draw, turns them into floats.

const DIGITS = 18;
const ONE = 10n ** BigInt(DIGITS);
const DAY_MS = 86_400_000;

/** "12.345" → fixed-point units of 10^-18 dollars. */
export function toUnits(text) {
  const match = /^(-?)(\d+)(?:\.(\d+))?$/.exec(String(text));
  if (!match) throw new Error(`not a decimal amount: ${text}`);
  const [, sign, whole, fraction = ''] = match;
  const units = BigInt(whole) * ONE + BigInt(fraction.slice(0, DIGITS).padEnd(DIGITS, '0'));
  return sign ? -units : units;
}

/** Fixed-point units → the shortest exact decimal string ("0.08", "12"). */
export function fromUnits(units) {
  const negative = units < 0n;
  const abs = negative ? -units : units;
  const fraction = (abs % ONE).toString().padStart(DIGITS, '0').replace(/0+$/, '');
  const text = `${abs / ONE}${fraction ? `.${fraction}` : ''}`;
  return negative && text !== '0' ? `-${text}` : text;
}

/** The exact sum of decimal strings. */
export const sumUsd = (amounts) => fromUnits(amounts.reduce((sum, amount) => sum + toUnits(amount), 0n));

/** Rounds fixed-point units half away from zero to `places` decimals, as a string with exactly that many. */
function roundTo(units, places) {
  const step = 10n ** BigInt(DIGITS - places);
  const abs = units < 0n ? -units : units;
  const rounded = (abs + step / 2n) / step;
  const scale = 10n ** BigInt(places);
  const whole = (rounded / scale).toLocaleString('en-US');
  const fraction = places > 0 ? `.${(rounded % scale).toString().padStart(places, '0')}` : '';
  return `${units < 0n && rounded > 0n ? '-' : ''}${whole}${fraction}`;
}

/**
 * Money for reading: cents from $1 up; below that, up to six decimals so that a fraction of a cent per note still
 * shows (trailing zeros dropped, at least two kept). The exact value goes into the element's data-usd and title.
 */
export function formatUsd(text) {
  const units = toUnits(text);
  const abs = units < 0n ? -units : units;
  if (abs === 0n || abs >= ONE) return `$${roundTo(units, 2)}`;
  const six = roundTo(units, 6).replace(/0+$/, '');
  const [, fraction = ''] = six.split('.');
  if (fraction === '') return '<$0.000001';
  return `$${fraction.length >= 2 ? six : roundTo(units, 2)}`;
}

export const formatCount = (n) => Number(n).toLocaleString('en-US');

// ---- UTC days ----

export const isoDay = (date) => date.toISOString().slice(0, 10);
export const parseDay = (day) => new Date(`${day}T00:00:00.000Z`);
export const addDays = (day, n) => isoDay(new Date(parseDay(day).getTime() + n * DAY_MS));

/** Every UTC day from `from` to `to`, both included. */
export function daysBetween(from, to) {
  const days = [];
  for (let day = from; day <= to; day = addDays(day, 1)) days.push(day);
  return days;
}

/** The range presets of the picker, relative to today (UTC). */
export function presetRange(name, today) {
  const month = today.slice(0, 7);
  switch (name) {
    case '7d':
      return { from: addDays(today, -6), to: today };
    case '30d':
      return { from: addDays(today, -29), to: today };
    case 'month':
      return { from: `${month}-01`, to: today };
    case 'last-month': {
      const last = addDays(`${month}-01`, -1);
      return { from: `${last.slice(0, 7)}-01`, to: last };
    }
    default:
      throw new Error(`unknown range preset ${name}`);
  }
}

/** Why a picked range cannot be asked for, or null. The API takes 1-400 days. */
export function rangeProblem(from, to) {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(from) || !/^\d{4}-\d{2}-\d{2}$/.test(to)) return 'Pick both days.';
  if (from > to) return 'The first day is after the last.';
  if (daysBetween(from, to).length > 400) return 'A range may span at most 400 days.';
  return null;
}

// ---- Shapes for the views ----

export const seriesName = (row) => `${row.engine} · ${row.model}`;

/**
 * The chart's series: priced spend per engine/model on every day of the range (days without spend are 0),
 * largest total first so it sits at the bottom of the stack. `total` is exact; `values` are floats to draw.
 */
export function spendSeries(view) {
  const days = daysBetween(view.from, view.to);
  const index = new Map(days.map((d, i) => [d, i]));
  const groups = new Map();
  for (const row of view.rows) {
    const name = seriesName(row);
    const group = groups.get(name) ?? {
      name,
      engine: row.engine,
      model: row.model,
      perDay: days.map(() => 0n),
      events: 0,
    };
    const i = index.get(row.day);
    if (i !== undefined) group.perDay[i] += toUnits(row.costUsd);
    group.events += row.events;
    groups.set(name, group);
  }
  const series = [...groups.values()].map((g) => {
    const totalUnits = g.perDay.reduce((a, b) => a + b, 0n);
    return {
      name: g.name,
      engine: g.engine,
      model: g.model,
      events: g.events,
      total: fromUnits(totalUnits),
      totalUnits,
      perDay: g.perDay.map(fromUnits),
      values: g.perDay.map((u) => Number(fromUnits(u))),
    };
  });
  series.sort((a, b) =>
    a.totalUnits === b.totalUnits ? a.name.localeCompare(b.name) : a.totalUnits > b.totalUnits ? -1 : 1,
  );
  return { days, series };
}

/** One row per tenant in view: priced spend and events from the daily spend, unit costs beside them. */
export function tenantRows(view, unitCosts, tenants) {
  const byId = new Map();
  const row = (tenantId) => {
    let r = byId.get(tenantId);
    if (!r) {
      const tenant = tenants.find((t) => t.id === tenantId);
      r = { tenantId, tenant, spend: [], pricedEvents: 0, unpricedEvents: 0, unit: null };
      byId.set(tenantId, r);
    }
    return r;
  };
  if (Array.isArray(view.tenantIds)) for (const id of view.tenantIds) row(id);
  for (const r of view.rows) {
    const t = row(r.tenantId);
    t.spend.push(r.costUsd);
    t.pricedEvents += r.events;
  }
  for (const r of view.unpriced) row(r.tenantId).unpricedEvents += r.events;
  for (const u of unitCosts) row(u.tenantId).unit = u;
  return [...byId.values()]
    .map((r) => ({ ...r, spendUsd: sumUsd(r.spend) }))
    .sort((a, b) => tenantLabel(a.tenant, a.tenantId).localeCompare(tenantLabel(b.tenant, b.tenantId)));
}

export const tenantLabel = (tenant, id) => (tenant ? tenant.name : id);

/** Unpriced usage per engine/model over the range: what the picker's range used with no price to apply. */
export function unpricedGroups(view) {
  const groups = new Map();
  for (const r of view.unpriced) {
    const key = `${r.tenantId}\u0000${r.engine}\u0000${r.model}\u0000${r.purpose}`;
    const g = groups.get(key) ?? { ...r, firstDay: r.day, lastDay: r.day, events: 0, inputTokens: 0, outputTokens: 0 };
    g.events += r.events;
    g.inputTokens += r.inputTokens;
    g.outputTokens += r.outputTokens;
    g.firstDay = r.day < g.firstDay ? r.day : g.firstDay;
    g.lastDay = r.day > g.lastDay ? r.day : g.lastDay;
    groups.set(key, g);
  }
  return [...groups.values()].sort((a, b) => b.events - a.events);
}

/**
 * A budget gauge's geometry, in percent of its width. The scale reaches a quarter past the largest of month to
 * date and the limits; a forecast beyond it runs to the end of the bar and is marked `forecastBeyond`, so an early
 * month's steep run rate does not squeeze the spend and limits into a corner.
 */
export function gauge(status) {
  const known = [status.monthToDateUsd, status.softLimitUsd, status.hardLimitUsd].filter((v) => v !== null);
  const top = Math.max(...known.map(Number), 0) * 1.25 || Number(status.forecastUsd) || 1;
  const at = (v) => (v === null ? null : Math.min(100, (Number(v) / top) * 100));
  return {
    spent: at(status.monthToDateUsd),
    forecast: at(status.forecastUsd),
    forecastBeyond: Number(status.forecastUsd) > top,
    soft: at(status.softLimitUsd),
    hard: at(status.hardLimitUsd),
  };
}

/** The engine/model pairs the price table knows, each with its current version, for the projection form. */
export function priceChoices(prices) {
  const pairs = new Map();
  for (const p of prices) {
    const key = `${p.engine}\u0000${p.model}`;
    const current = pairs.get(key);
    if (!current || p.version > current.version) pairs.set(key, p);
  }
  const engines = [...new Set([...pairs.values()].map((p) => p.engine))].sort();
  const models = (engine) =>
    [...pairs.values()]
      .filter((p) => p.engine === engine)
      .map((p) => p.model)
      .sort();
  return { engines, models };
}
