import { isIP } from 'node:net';
import { z } from 'zod';
import { env } from '../config/config.loader.js';

/**
 * How every service's HTTP server is exposed (issue 21): where it listens, and who may read its metrics. Each app's
 * config schema spreads this shape, so the variables mean the same everywhere.
 */
export const servingConfigShape = {
  /**
   * Address the HTTP server listens on: `0.0.0.0` (default: every IPv4 interface, as a container needs), `127.0.0.1`
   * for this machine only (the local launcher's default), `::` for every interface, or one interface's address.
   */
  BIND_ADDRESS: z
    .string()
    .default('0.0.0.0')
    .refine((value) => isIP(value) !== 0, 'must be an IP address, e.g. 127.0.0.1, 0.0.0.0 or ::'),
  /**
   * Secret. The bearer token a scraper sends to `GET /metrics` (`Authorization: Bearer <token>`). Unset (default):
   * `/metrics` answers 401 to everyone. At least 32 visible ASCII characters, e.g. `openssl rand -hex 32`.
   */
  METRICS_TOKEN: z
    .string()
    .regex(/^[\x21-\x7e]{32,}$/, 'must be at least 32 visible ASCII characters (no spaces)')
    .optional(),
  /**
   * Label metered usage in `/metrics` (clinex_llm_tokens_total, clinex_cost_usd_total) with tenant ids. Default
   * false: totals per engine and model only, so the scrape holds no tenant ids or per-tenant spend.
   */
  METRICS_TENANT_LABELS: env.bool(false),
};

export interface ServingConfig {
  BIND_ADDRESS: string;
  METRICS_TOKEN?: string | undefined;
  METRICS_TENANT_LABELS: boolean;
}
