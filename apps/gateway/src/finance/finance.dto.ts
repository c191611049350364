import { Type, type Static } from '@sinclair/typebox';

const DAY = '^\\d{4}-\\d{2}-\\d{2}$';
const MONTH = '^\\d{4}-(0[1-9]|1[0-2])$';
const UUID = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';
/** A non-negative plain decimal (no exponent), as prices and limits are given: exact, never a float. */
const DECIMAL = '^\\d{1,10}(\\.\\d{1,10})?$';

const tenantId = Type.Optional(
  Type.String({
    pattern: UUID,
    description:
      "The platform operator's key: one tenant, or every tenant when omitted. A tenant's keys: only their own tenant.",
  }),
);

export const RangeQuerySchema = Type.Object(
  {
    from: Type.String({ pattern: DAY, description: 'First UTC day, inclusive (YYYY-MM-DD).' }),
    to: Type.String({ pattern: DAY, description: 'Last UTC day, inclusive (YYYY-MM-DD).' }),
    tenantId,
    format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('csv')], { description: 'Default json.' })),
  },
  { additionalProperties: false },
);
export type RangeQuery = Static<typeof RangeQuerySchema>;

export const ScopeQuerySchema = Type.Object(
  {
    tenantId,
    month: Type.Optional(Type.String({ pattern: MONTH, description: 'UTC month YYYY-MM; default the current one.' })),
    limit: Type.Optional(Type.String({ pattern: '^([1-9][0-9]?|[1-4][0-9][0-9]|500)$', description: '1-500.' })),
  },
  { additionalProperties: false },
);
export type ScopeQuery = Static<typeof ScopeQuerySchema>;

export const ProjectionQuerySchema = Type.Object(
  {
    notesPerDay: Type.String({ pattern: '^[1-9][0-9]{0,6}$', description: 'Notes a day, 1-9,999,999.' }),
    engine: Type.String({ minLength: 1, maxLength: 100 }),
    model: Type.String({ minLength: 1, maxLength: 200 }),
    tenantId,
  },
  { additionalProperties: false },
);
export type ProjectionQuery = Static<typeof ProjectionQuerySchema>;

export const BudgetBodySchema = Type.Object(
  {
    softLimitUsd: Type.Union([Type.String({ pattern: DECIMAL }), Type.Null()], { description: 'Alert only.' }),
    hardLimitUsd: Type.Union([Type.String({ pattern: DECIMAL }), Type.Null()], {
      description: 'At this month-to-date spend LLM requests fall back (BUDGET_FALLBACK_ENGINE).',
    }),
  },
  { additionalProperties: false },
);
export type BudgetBody = Static<typeof BudgetBodySchema>;

export const WebhookBodySchema = Type.Object(
  {
    url: Type.Union([Type.String({ pattern: '^https?://\\S+$', maxLength: 2000 }), Type.Null()], {
      description: 'Where alerts are POSTed as JSON; null stops delivery (alerts are still listed).',
    }),
  },
  { additionalProperties: false },
);
export type WebhookBody = Static<typeof WebhookBodySchema>;

const rate = Type.Union([Type.String({ pattern: DECIMAL }), Type.Null()]);
export const PriceVersionBodySchema = Type.Object(
  {
    engine: Type.String({ minLength: 1, maxLength: 100 }),
    model: Type.String({ minLength: 1, maxLength: 200 }),
    effectiveFrom: Type.String({
      format: 'date-time',
      description: 'Now or later; events before it keep their price.',
    }),
    inputPerMillion: rate,
    outputPerMillion: rate,
    cachedInputPerMillion: rate,
    perModelSecond: rate,
    source: Type.Optional(Type.String({ maxLength: 500 })),
  },
  { additionalProperties: false },
);
export type PriceVersionBody = Static<typeof PriceVersionBodySchema>;

/** Priced usage of one UTC day, tenant, engine, model and purpose. */
export interface SpendRow {
  day: string;
  tenantId: string;
  engine: string;
  model: string;
  purpose: string;
  events: number;
  inputTokens: number;
  outputTokens: number;
  cachedTokens: number;
  modelSeconds: number;
  /** Exact decimal string of the sum. */
  costUsd: string;
}

/** Usage with no price: listed apart, never counted as $0. */
export type UnpricedRow = Omit<SpendRow, 'costUsd'>;

export interface DailySpendView {
  from: string;
  to: string;
  /** Days are UTC calendar days: [00:00:00Z, next 00:00:00Z). */
  dayBoundary: 'UTC';
  tenantIds: string[] | 'all';
  rows: SpendRow[];
  unpriced: UnpricedRow[];
  totals: { costUsd: string; pricedEvents: number; unpricedEvents: number };
}

export interface UnitCostView {
  tenantId: string;
  costUsd: string;
  notes: number;
  characters: number;
  acceptedMedications: number;
  perNoteUsd: string | null;
  perThousandCharactersUsd: string | null;
  perAcceptedMedicationUsd: string | null;
  /** Unpriced events in the range: when > 0 the unit costs are a lower bound. */
  unpricedEvents: number;
}

export interface BudgetStatusView {
  tenantId: string;
  month: string;
  monthToDateUsd: string;
  unpricedEvents: number;
  softLimitUsd: string | null;
  hardLimitUsd: string | null;
  /** Month-to-date spend as a percentage of the hard limit (else the soft one); null without a budget. */
  percentOfBudget: number | null;
  /** Month-to-date spend / elapsed days × days in the month. */
  forecastUsd: string;
  state: 'no_budget' | 'ok' | 'soft_exceeded' | 'hard_exceeded';
}

export interface AlertView {
  id: string;
  tenantId: string;
  kind: 'budget' | 'soft_limit' | 'daily_spike';
  month: string;
  thresholdPercent: number | null;
  spendUsd: string;
  limitUsd: string | null;
  message: string;
  createdAt: string;
  deliveredAt: string | null;
  deliveryAttempts: number;
  lastError: string | null;
}

export interface PriceVersionView {
  id: string;
  engine: string;
  model: string;
  version: number;
  effectiveFrom: string;
  inputPerMillion: string | null;
  outputPerMillion: string | null;
  cachedInputPerMillion: string | null;
  perModelSecond: string | null;
  source: string | null;
  createdBy: string | null;
}

export interface ProjectionView {
  engine: string;
  model: string;
  notesPerDay: number;
  priceVersion: PriceVersionView | null;
  /** Measured over the last 30 UTC days of this engine and model (the tenants in scope). */
  measured: { notes: number; inputTokens: number; outputTokens: number; cachedTokens: number; modelSeconds: number };
  perNoteUsd: string | null;
  perDayUsd: string | null;
  per30DaysUsd: string | null;
  /** Why no cost could be projected, when it could not. */
  reason: string | null;
}

export interface TenantView {
  id: string;
  slug: string;
  name: string;
}
