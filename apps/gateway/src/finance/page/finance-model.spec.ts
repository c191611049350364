import { describe, expect, it } from '@jest/globals';
// @ts-expect-error -- a plain browser module (served as is, no build step), so it has no type declarations.
import * as model from './assets/finance-model.js';

const view = (overrides: Record<string, unknown> = {}) => ({
  from: '2026-11-29',
  to: '2026-12-02',
  dayBoundary: 'UTC',
  tenantIds: ['t1'],
  rows: [],
  unpriced: [],
  totals: { costUsd: '0', pricedEvents: 0, unpricedEvents: 0 },
  ...overrides,
});
const row = (day: string, modelName: string, costUsd: string, tenantId = 't1', events = 1) => ({
  day,
  tenantId,
  engine: 'llm',
  model: modelName,
  purpose: 'extraction',
  events,
  inputTokens: 0,
  outputTokens: 0,
  cachedTokens: 0,
  modelSeconds: 0,
  costUsd,
});

describe('finance dashboard model', () => {
  it('adds money exactly, where floats would not', () => {
    expect(model.sumUsd(['0.1', '0.2'])).toBe('0.3');
    expect(model.sumUsd(['0.000000000001', '1999.999999999999'])).toBe('2000');
    expect(model.sumUsd([])).toBe('0');
    expect(model.fromUnits(model.toUnits('12.500'))).toBe('12.5');
    expect(() => model.toUnits('1e-7')).toThrow(/not a decimal/);
  });

  it('shows cents from a dollar up and fractions of a cent below it', () => {
    expect(model.formatUsd('1234.565')).toBe('$1,234.57');
    expect(model.formatUsd('2')).toBe('$2.00');
    expect(model.formatUsd('0')).toBe('$0.00');
    expect(model.formatUsd('0.1')).toBe('$0.10');
    expect(model.formatUsd('0.0135')).toBe('$0.0135');
    expect(model.formatUsd('0.00015375')).toBe('$0.000154');
    expect(model.formatUsd('0.0000001')).toBe('<$0.000001');
  });

  it('walks UTC days across month and year ends, and offers the usual ranges', () => {
    expect(model.daysBetween('2026-12-30', '2027-01-02')).toEqual([
      '2026-12-30',
      '2026-12-31',
      '2027-01-01',
      '2027-01-02',
    ]);
    expect(model.presetRange('7d', '2026-03-02')).toEqual({ from: '2026-02-24', to: '2026-03-02' });
    expect(model.presetRange('month', '2026-03-02')).toEqual({ from: '2026-03-01', to: '2026-03-02' });
    expect(model.presetRange('last-month', '2027-01-15')).toEqual({ from: '2026-12-01', to: '2026-12-31' });
    expect(model.rangeProblem('2026-12-02', '2026-12-01')).toMatch(/after/);
    expect(model.rangeProblem('2025-01-01', '2026-12-01')).toMatch(/400 days/);
    expect(model.rangeProblem('2026-12-01', '2026-12-01')).toBeNull();
  });

  it('builds one series per engine/model over every day of the range, largest first, exact totals', () => {
    const { days, series } = model.spendSeries(
      view({
        rows: [
          row('2026-11-29', 'small', '0.1'),
          row('2026-11-29', 'big', '1.5'),
          row('2026-12-02', 'big', '0.25'),
          row('2026-12-02', 'small', '0.2'),
        ],
      }),
    );
    expect(days).toEqual(['2026-11-29', '2026-11-30', '2026-12-01', '2026-12-02']);
    expect(series.map((s: { name: string; total: string }) => [s.name, s.total])).toEqual([
      ['llm · big', '1.75'],
      ['llm · small', '0.3'],
    ]);
    expect(series[1].perDay).toEqual(['0.1', '0', '0', '0.2']);
    expect(series[1].values).toEqual([0.1, 0, 0, 0.2]);
  });

  it('gives every tenant in scope a row, with spend, events and its unit costs', () => {
    const unit = { tenantId: 't2', perNoteUsd: '0.5', unpricedEvents: 0 };
    const rows = model.tenantRows(
      view({
        tenantIds: 'all',
        rows: [row('2026-11-29', 'm', '0.5', 't2', 3), row('2026-11-30', 'm', '0.25', 't2', 2)],
        unpriced: [{ ...row('2026-11-30', 'x', '0', 't1', 4), costUsd: undefined }],
      }),
      [unit],
      [
        { id: 't1', slug: 'a', name: 'Alpha' },
        { id: 't2', slug: 'b', name: 'Beta' },
      ],
    );
    expect(rows.map((r: Record<string, unknown>) => [r['tenantId'], r['spendUsd'], r['pricedEvents']])).toEqual([
      ['t1', '0', 0],
      ['t2', '0.75', 5],
    ]);
    expect(rows[0].unpricedEvents).toBe(4);
    expect(rows[1].unit).toBe(unit);
  });

  it('draws a budget gauge to the limits, with an early-month forecast running past the bar', () => {
    const g = model.gauge({
      monthToDateUsd: '8',
      forecastUsd: '180',
      softLimitUsd: '7.5',
      hardLimitUsd: '10',
    });
    expect(g).toEqual({ spent: 64, forecast: 100, forecastBeyond: true, soft: 60, hard: 80 });
    expect(model.gauge({ monthToDateUsd: '0', forecastUsd: '0', softLimitUsd: null, hardLimitUsd: null })).toEqual({
      spent: 0,
      forecast: 0,
      forecastBeyond: false,
      soft: null,
      hard: null,
    });
  });
});
