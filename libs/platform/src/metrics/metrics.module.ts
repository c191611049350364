import { Controller, Get, Header, Injectable, Module, type DynamicModule } from '@nestjs/common';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { Public } from '../health/health.module.js';

/**
 * Prometheus metrics of one service at `GET /metrics`: the process defaults (CPU, memory, event loop) plus
 * Clinex's own — time spent per pipeline stage, messages per outcome, and metered usage. Labels never carry note
 * text or values: only stage names, outcomes, tenant ids, engines and models.
 */
@Injectable()
export class Metrics {
  readonly registry = new Registry();
  private readonly stageSeconds: Histogram<'stage'>;
  private readonly messages: Counter<'topic' | 'outcome'>;
  readonly tokens: Counter<'tenant' | 'engine' | 'model' | 'kind'>;
  readonly costUsd: Counter<'tenant' | 'engine' | 'model'>;

  constructor(service: string) {
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
      help: 'LLM tokens by tenant, engine, model and kind (input, output, cached)',
      labelNames: ['tenant', 'engine', 'model', 'kind'],
      registers: [this.registry],
    });
    this.costUsd = new Counter({
      name: 'clinex_cost_usd_total',
      help: 'Priced cost in US dollars by tenant, engine and model',
      labelNames: ['tenant', 'engine', 'model'],
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

  countMessage(topic: string, outcome: string): void {
    this.messages.inc({ topic, outcome });
  }
}

@Controller('metrics')
@Public()
class MetricsController {
  constructor(private readonly metrics: Metrics) {}

  @Get()
  @Header('content-type', 'text/plain; version=0.0.4; charset=utf-8')
  scrape(): Promise<string> {
    return this.metrics.registry.metrics();
  }
}

@Module({})
export class MetricsModule {
  static forRoot(metrics: Metrics): DynamicModule {
    return {
      module: MetricsModule,
      global: true,
      controllers: [MetricsController],
      providers: [{ provide: Metrics, useValue: metrics }],
      exports: [Metrics],
    };
  }
}
