import { describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { MessageProducer, Metrics, type OutgoingMessage } from '#platform';
import {
  compileContract,
  COST_EVENTS_TOPIC,
  CostEventSchema,
  type ClinicalExtraction,
  type NoteSubmitted,
  type TopicName,
} from '#schemas';
import type { EngineInput, EngineOutcome, EngineUsage, ExtractionEngine } from '../engines/extraction-engine.port.js';
import { CostEventPublisher } from './cost-event.publisher.js';
import { ExtractionService } from './extraction.service.js';

class RecordingProducer extends MessageProducer {
  readonly sent: { topic: TopicName; message: OutgoingMessage }[] = [];
  send(topic: TopicName, messages: OutgoingMessage[]): Promise<void> {
    for (const message of messages) this.sent.push({ topic, message });
    return Promise.resolve();
  }
}

const DESCRIPTOR: ClinicalExtraction['engine'] = { name: 'llm', model: 'gpt-4o', version: '2+examples.v2' };

/** An engine that reports the calls an LLM engine would have made (an extraction and its repair), then fails. */
class ReportingEngine implements ExtractionEngine {
  readonly descriptor = DESCRIPTOR;
  constructor(private readonly calls: readonly Pick<EngineUsage, 'latencyMs' | 'attemptLatencyMs'>[]) {}
  async extract(input: EngineInput): Promise<EngineOutcome> {
    for (const [i, call] of this.calls.entries()) {
      await input.reportUsage?.({
        callId: `call-${i}`,
        purpose: i === 0 ? 'extraction' : 'repair',
        model: 'gpt-4o',
        servedModel: 'gpt-4o-2024-08-06',
        inputTokens: 1000,
        outputTokens: 200,
        cachedTokens: 0,
        estimated: false,
        attempts: call.attemptLatencyMs.length,
        outcome: i === this.calls.length - 1 ? 'ok' : 'invalid_output',
        ...call,
      });
    }
    return { extraction: null, failure: { code: 'LLM_OUTPUT_INVALID', message: 'test' }, modelSeconds: 0 };
  }
}

function note(): NoteSubmitted {
  return {
    version: 1,
    messageId: randomUUID(),
    tenantId: randomUUID(),
    noteId: randomUUID(),
    externalId: 'ext-1',
    text: 'Lisinopril 10 mg daily.',
    requestedEngine: 'llm',
    submittedAt: new Date().toISOString(),
  };
}

/** `clinex_llm_latency_seconds` count and sum for one scope, from the registry's own exposition. */
async function latencyOf(metrics: Metrics, scope: string): Promise<{ count: number; sum: number }> {
  const text = await metrics.registry.metrics();
  const value = (suffix: string) =>
    Number(
      new RegExp(`^clinex_llm_latency_seconds_${suffix}\\{[^}]*scope="${scope}"[^}]*\\} (\\S+)$`, 'm').exec(text)?.[1],
    );
  return { count: value('count'), sum: value('sum') };
}

describe('LLM latency in cost events and metrics', () => {
  it('records each attempt and each call in its cost event, and attempts, calls and the note in metrics', async () => {
    const producer = new RecordingProducer();
    const metrics = new Metrics('extractor-test');
    const engine = new ReportingEngine([
      { latencyMs: 31_000, attemptLatencyMs: [12_000, 18_500] },
      { latencyMs: 9_000, attemptLatencyMs: [9_000] },
    ]);
    const service = new ExtractionService(engine, producer, new CostEventPublisher(producer), metrics, {
      EXTRACTOR_OTHER_ENGINE_NOTES: 'run',
    });
    await service.extract(note());

    const events = producer.sent.filter((s) => s.topic === COST_EVENTS_TOPIC).map((s) => s.message.value);
    const check = compileContract(CostEventSchema);
    expect(events.map((e) => check(e).ok)).toEqual([true, true]);
    expect(events).toEqual([
      expect.objectContaining({ latencyMs: 31_000, attempts: 2, attemptLatencyMs: [12_000, 18_500] }),
      expect.objectContaining({ latencyMs: 9_000, attempts: 1, attemptLatencyMs: [9_000] }),
    ]);

    expect(await latencyOf(metrics, 'attempt')).toEqual({ count: 3, sum: 39.5 });
    expect(await latencyOf(metrics, 'call')).toEqual({ count: 2, sum: 40 });
    // The note's LLM time: its calls one after another.
    expect(await latencyOf(metrics, 'note')).toEqual({ count: 1, sum: 40 });
  });

  it('keeps the cost-event contract backward compatible: an event without attempt latencies is still valid', () => {
    const check = compileContract(CostEventSchema);
    const event = {
      version: 2,
      eventId: 'e1',
      tenantId: randomUUID(),
      noteId: null,
      engine: 'llm',
      model: 'gpt-4o',
      purpose: 'extraction',
      inputTokens: 1,
      outputTokens: 1,
      cachedTokens: 0,
      modelSeconds: 0,
      occurredAt: new Date().toISOString(),
      latencyMs: 5,
      attempts: 1,
    };
    expect(check(event).ok).toBe(true);
    expect(check({ ...event, attemptLatencyMs: [] }).ok).toBe(false);
    expect(check({ ...event, attemptLatencyMs: [-1] }).ok).toBe(false);
  });
});
