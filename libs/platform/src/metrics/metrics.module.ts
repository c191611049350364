import { createHash, timingSafeEqual } from 'node:crypto';
import { Controller, Get, Headers, Inject, Injectable, Module, Res, type DynamicModule } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { Public } from '../health/health.module.js';

export interface MetricsOptions {
  /**
   * Label metered usage with tenant ids (METRICS_TENANT_LABELS). Off by default: a scrape then names no tenant and
   * shows no tenant's spend, only totals per engine and model.
   */
  tenantLabels?: boolean;
}

/** Metered usage of one event, as the cost meter counts it. */
export interface MeteredUsage {
  tenant: string;
  engine: string;
  model: string;
  inputTokens: number;
  outputTokens: number;
  cachedTokens: number;
  /** Null when unpriced. */
  costUsd: number | null;
}

/**
 * Prometheus metrics of one service at `GET /metrics`: the process defaults (CPU, memory, event loop) plus
 * Clinex's own — time spent per pipeline stage, messages per outcome, and metered usage. Labels never carry note
 * text or values: only stage names, outcomes, engines and models, and tenant ids only where the operator opts in.
 */
@Injectable()
export class Metrics {
  readonly registry = new Registry();
  private readonly stageSeconds: Histogram<'stage'>;
  private readonly messages: Counter<'topic' | 'outcome'>;
  private readonly tokens: Counter<'tenant' | 'engine' | 'model' | 'kind'>;
  private readonly costUsd: Counter<'tenant' | 'engine' | 'model'>;
  private readonly llmSeconds: Histogram<'scope' | 'model'>;
  private readonly tenantLabels: boolean;

  constructor(service: string, options: MetricsOptions = {}) {
    this.tenantLabels = options.tenantLabels ?? false;
    const tenant = this.tenantLabels ? (['tenant'] as const) : [];
    this.registry.setDefaultLabels({ service });
    collectDefaultMetrics({ register: this.registry });
    this.stageSeconds = new Histogram({
      name: 'clinex_stage_seconds',
      help: 'Seconds spent in one pipeline stage for one note',
      labelNames: ['stage'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [this.registry],
    });
    this.messages = new Counter({
      name: 'clinex_messages_total',
      help: 'Consumed messages by topic and outcome',
      labelNames: ['topic', 'outcome'],
      registers: [this.registry],
    });
    this.tokens = new Counter({
      name: 'clinex_llm_tokens_total',
      help: `LLM tokens by ${this.tenantLabels ? 'tenant, ' : ''}engine, model and kind (input, output, cached)`,
      labelNames: [...tenant, 'engine', 'model', 'kind'],
      registers: [this.registry],
    });
    this.costUsd = new Counter({
      name: 'clinex_cost_usd_total',
      help: `Priced cost in US dollars by ${this.tenantLabels ? 'tenant, ' : ''}engine and model`,
      labelNames: [...tenant, 'engine', 'model'],
      registers: [this.registry],
    });
    // Its own histogram: LLM answers take seconds to minutes, past the stage histogram's last bucket.
    this.llmSeconds = new Histogram({
      name: 'clinex_llm_latency_seconds',
      help: 'LLM latency by scope (attempt: one HTTP request; call: its attempts and backoff; note: all calls for a note) and model',
      labelNames: ['scope', 'model'],
      buckets: [0.5, 1, 2, 5, 10, 20, 30, 45, 60, 90, 120, 180, 300, 600],
      registers: [this.registry],
    });
  }

  observeStage(stage: string, seconds: number): void {
    if (Number.isFinite(seconds) && seconds >= 0) this.stageSeconds.observe({ stage }, seconds);
  }

  /** Times `work` as one observation of `stage`. */
  async time<T>(stage: string, work: () => Promise<T>): Promise<T> {
    const started = process.hrtime.bigint();
    try {
      return await work();
    } finally {
      this.observeStage(stage, Number(process.hrtime.bigint() - started) / 1e9);
    }
  }

  /** One LLM latency observation: an HTTP attempt, a call (attempts and backoff), or all the calls for one note. */
  observeLlmLatency(scope: 'attempt' | 'call' | 'note', model: string, seconds: number): void {
    if (Number.isFinite(seconds) && seconds >= 0) this.llmSeconds.observe({ scope, model }, seconds);
  }

  countMessage(topic: string, outcome: string): void {
    this.messages.inc({ topic, outcome });
  }

  /** Counts one newly recorded event's tokens and cost; the tenant is a label only with `tenantLabels`. */
  countUsage(usage: MeteredUsage): void {
    const labels = {
      ...(this.tenantLabels ? { tenant: usage.tenant } : {}),
      engine: usage.engine,
      model: usage.model,
    };
    if (usage.inputTokens > 0) this.tokens.inc({ ...labels, kind: 'input' }, usage.inputTokens);
    if (usage.outputTokens > 0) this.tokens.inc({ ...labels, kind: 'output' }, usage.outputTokens);
    if (usage.cachedTokens > 0) this.tokens.inc({ ...labels, kind: 'cached' }, usage.cachedTokens);
    if (usage.costUsd !== null) this.costUsd.inc(labels, usage.costUsd);
  }
}

/** Who may scrape: the holder of METRICS_TOKEN, compared in constant time; nobody when it is unset. */
export class MetricsAccess {
  private readonly digest: Buffer | null;

  constructor(token: string | undefined) {
    this.digest = token ? sha256(token) : null;
  }

  get enabled(): boolean {
    return this.digest !== null;
  }

  allows(authorization: string | undefined): boolean {
    const presented = authorization === undefined ? null : /^[ \t]*bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization);
    if (!this.digest || !presented) return false;
    return timingSafeEqual(sha256(presented[1]!), this.digest);
  }
}

const sha256 = (text: string) => createHash('sha256').update(text).digest();

const UNAUTHORIZED = JSON.stringify({
  type: 'https://clinex.dev/problems/metrics-token-required',
  title: 'Unauthorized',
  status: 401,
  detail: 'GET /metrics needs Authorization: Bearer <METRICS_TOKEN>',
  code: 'METRICS_TOKEN_REQUIRED',
  instance: '/metrics',
});

/**
 * `GET /metrics` for the scraper holding METRICS_TOKEN only. Public to the apps' key guards (the scraper has no API
 * key); the token is its own check. Without the token the answer is the same 401 whether or not one is configured.
 */
@Controller('metrics')
@Public()
class MetricsController {
  constructor(
    private readonly metrics: Metrics,
    @Inject(MetricsAccess) private readonly access: MetricsAccess,
  ) {}

  @Get()
  async scrape(
    @Headers('authorization') authorization: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    if (!this.access.allows(authorization)) {
      void reply
        .status(401)
        .header('www-authenticate', 'Bearer realm="metrics"')
        .header('content-type', 'application/problem+json');
      return UNAUTHORIZED;
    }
    void reply.header('content-type', 'text/plain; version=0.0.4; charset=utf-8');
    return this.metrics.registry.metrics();
  }
}

@Module({})
export class MetricsModule {
  static forRoot(metrics: Metrics, access: MetricsAccess = new MetricsAccess(undefined)): DynamicModule {
    return {
      module: MetricsModule,
      global: true,
      controllers: [MetricsController],
      providers: [
        { provide: Metrics, useValue: metrics },
        { provide: MetricsAccess, useValue: access },
      ],
      exports: [Metrics],
    };
  }
}
