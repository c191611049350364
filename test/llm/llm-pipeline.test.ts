import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, type Consumer, type Producer } from 'kafkajs';
import pg from 'pg';
import { startService, type RunningService } from '../../libs/platform/src/index.js';
import type { CostEvent, NoteSubmitted } from '../../libs/schemas/src/index.js';
import type { ValidatorConfig } from '../../apps/validator/src/config/validator.config.js';
import { validatorService } from '../../apps/validator/src/validator.service-definition.js';
import { answer, OpenAiTestServer, type RecordedRequest, type Reply } from '../support/openai-test-server.js';
import { startServiceProcess, waitFor, type ServiceProcess } from '../support/service-process.js';
import { createTestTenant, type TestTenant } from '../support/tenant-fixture.js';
import { correctOutput, NOTE } from './support.js';

/**
 * The LLM engine in the pipeline: the built extractor as its own process (EXTRACTOR_ENGINE=llm, pointed at an
 * OpenAI-compatible server by LLM_* variables only), the validator with its cost meter and LLM reversal probe,
 * real Kafka and PostgreSQL.
 */
describe('LLM extraction pipeline with cost metering', () => {
  const databaseUrl = process.env.DATABASE_URL!;
  const brokers = process.env.KAFKA_BROKERS!;
  const run = randomUUID().slice(0, 8);
  const kafka = new Kafka({ brokers: brokers.split(','), clientId: `llm-pipeline-${run}`, logLevel: logLevel.NOTHING });
  const db = new pg.Client({ connectionString: databaseUrl });
  const extractorGroup = `llm-extractor-${run}`;
  const validatorGroup = `llm-validator-${run}`;
  const published: CostEvent[] = [];
  /** Per note marker: how to answer its extraction and repair requests. */
  const scripts = new Map<string, (purpose: 'extraction' | 'repair', round: number) => Reply>();
  const seen = new Map<string, { extraction: number; repair: number }>();
  let probeReply: (request: RecordedRequest) => Reply = oracle();
  let server: OpenAiTestServer;
  let producer: Producer;
  let costReader: Consumer;
  let validator: RunningService<ValidatorConfig>;
  let tenant: TestTenant;
  const extractors: ServiceProcess[] = [];

  const extractorEnv = {
    KAFKA_BROKERS: brokers,
    KAFKA_GROUP_ID: extractorGroup,
    LOG_LEVEL: 'info',
    EXTRACTOR_ENGINE: 'llm',
    LLM_MODEL: 'gpt-4o-mini',
    LLM_API_KEY: 'sk-pipeline',
    LLM_RETRY_BASE_MS: '50',
    LLM_TIMEOUT_MS: '20000',
  };
  const startExtractor = async () => {
    const p = await startServiceProcess('extractor', { ...extractorEnv, LLM_BASE_URL: server.url });
    extractors.push(p);
    return p;
  };

  /** New consumer groups start at the end of the topics, so this test's services see only this test's messages. */
  async function startGroupsAtEnd(groups: [string, string[]][]): Promise<void> {
    const admin = kafka.admin();
    await admin.connect();
    for (const [groupId, topics] of groups) {
      for (const topic of topics) {
        const offsets = await admin.fetchTopicOffsets(topic);
        await admin.setOffsets({
          groupId,
          topic,
          partitions: offsets.map((o) => ({ partition: o.partition, offset: o.high })),
        });
      }
    }
    await admin.disconnect();
  }

  async function submit(text: string, requestedEngine = 'llm'): Promise<string> {
    const noteId = randomUUID();
    await db.query(
      `INSERT INTO notes (id, tenant_id, external_id, text, requested_engine, status) VALUES ($1, $2, $3, $4, $5, 'queued')`,
      [noteId, tenant.id, `ext-${noteId}`, text, requestedEngine],
    );
    const message: NoteSubmitted = {
      version: 1,
      messageId: randomUUID(),
      tenantId: tenant.id,
      noteId,
      externalId: `ext-${noteId}`,
      text,
      requestedEngine,
      submittedAt: new Date().toISOString(),
    };
    await producer.send({ topic: 'notes.submitted', messages: [{ key: noteId, value: JSON.stringify(message) }] });
    return noteId;
  }

  const costRows = async (noteId: string) =>
    (
      await db.query<{
        event_id: string;
        purpose: string;
        cost_usd: string | null;
        price_version_id: string | null;
        outcome: string;
      }>(
        'SELECT event_id, purpose, cost_usd::text, price_version_id, outcome FROM cost_events WHERE note_id = $1 ORDER BY purpose',
        [noteId],
      )
    ).rows;
  const extractionRows = async (noteId: string) =>
    (await db.query<{ id: string; status: string }>('SELECT id, status FROM extractions WHERE note_id = $1', [noteId]))
      .rows;
  const flagRows = async (extractionId: string) =>
    (
      await db.query<{ code: string; path: string; message: string }>(
        'SELECT code, path, message FROM extraction_flags WHERE extraction_id = $1',
        [extractionId],
      )
    ).rows;

  beforeAll(async () => {
    await db.connect();
    tenant = await createTestTenant(databaseUrl, 'llm-pipeline');
    server = await OpenAiTestServer.start({ apiKey: 'sk-pipeline' });
    server.onRequest((request) => {
      if (request.body.messages[0]!.content.startsWith('You check which medication')) return probeReply(request);
      const notes = request.body.messages.filter(
        (m) => m.role === 'user' && /BEGIN NOTE [0-9a-f]{16}\n/.test(m.content),
      );
      const note = notes.at(-1)?.content ?? '';
      const purpose = request.lastUserMessage.startsWith('Your answer could not be used') ? 'repair' : 'extraction';
      for (const [marker, script] of scripts) {
        if (!note.includes(marker)) continue;
        const count = seen.get(marker) ?? { extraction: 0, repair: 0 };
        count[purpose]++;
        seen.set(marker, count);
        return script(purpose, count[purpose]);
      }
      return answer({
        patient: { age: null, sex: 'unknown', sexText: null },
        medications: [],
        diagnoses: [],
        symptoms: [],
        labs: [],
        followUps: [],
      });
    });
    producer = kafka.producer();
    await producer.connect();
    await startGroupsAtEnd([
      [extractorGroup, ['notes.submitted']],
      [validatorGroup, ['extractions.raw', 'cost.events']],
    ]);
    costReader = kafka.consumer({ groupId: `llm-cost-reader-${run}` });
    await costReader.connect();
    await costReader.subscribe({ topic: 'cost.events', fromBeginning: true });
    await costReader.run({
      eachMessage: async ({ message }) => {
        const e = JSON.parse(message.value!.toString()) as CostEvent;
        if (e.tenantId === tenant.id) published.push(e);
      },
    });
    validator = await startService(validatorService, {
      env: {
        ...process.env,
        KAFKA_GROUP_ID: validatorGroup,
        PORT: '0',
        LOG_LEVEL: 'warn',
        LLM_BASE_URL: server.url,
        LLM_API_KEY: 'sk-pipeline',
        LLM_MODEL: 'gpt-4o-mini',
        LLM_PROBE_SAMPLE_RATE: '1',
      },
    });
    await startExtractor();
  });

  afterAll(async () => {
    await Promise.all(extractors.map((p) => p.stop('SIGKILL')));
    await validator?.app.close();
    await Promise.all([producer?.disconnect(), costReader?.disconnect()]);
    await server?.close();
    await db.end();
  });

  it('flags a hallucinated drug, probes the reversal through the LLM, and prices every call', async () => {
    const marker = `Ref ${run}-A.`;
    const hallucinated = correctOutput();
    hallucinated.medications.push({
      name: 'Warfarin',
      dose: '5 mg',
      doseValue: 5,
      doseUnit: 'mg',
      frequency: 'daily',
      route: null,
      status: 'current',
    });
    scripts.set(marker, () => answer(hallucinated));
    // The probe's "model" reads Lisinopril's dose as Metformin's: the LLM's answer, not the span answerer's, decides.
    probeReply = oracle({ wrongFor: '10 mg' });
    const noteId = await submit(`${NOTE} ${marker}`);

    const [row] = await waitFor(
      async () => {
        const r = await extractionRows(noteId);
        return r.length > 0 ? r : null;
      },
      45_000,
      'the extraction to be stored',
    );
    expect(row!.status).toBe('needs_review');
    const flags = await flagRows(row!.id);
    expect(flags).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ code: 'NOT_GROUNDED', path: '/medications/2/name' }),
        expect.objectContaining({
          code: 'REVERSAL_INCONSISTENT',
          path: '/medications/1/dose',
          message: expect.stringContaining('(LLM probe)'),
        }),
      ]),
    );

    const costs = await waitFor(
      async () => {
        const r = await costRows(noteId);
        return r.length >= 2 ? r : null;
      },
      20_000,
      'the extraction and probe cost events',
    );
    expect(costs.map((c) => c.purpose)).toEqual(['extraction', 'probe']);
    for (const c of costs) {
      // gpt-4o-mini is priced by the seeded price version.
      expect(c).toMatchObject({ outcome: 'ok', price_version_id: '6c1f4a10-0000-4000-8000-000000000002' });
      expect(Number(c.cost_usd)).toBeGreaterThan(0);
    }
  });

  it('writes cost events once when the extractor is killed after a call and restarted', async () => {
    probeReply = oracle();
    const marker = `Ref ${run}-B.`;
    let releaseRepair = false;
    scripts.set(marker, (purpose, round) => {
      if (purpose === 'extraction')
        return answer('{"patient": {"age": null, "sex": "female", "sexText": "woman"}, "medications": [');
      // First run: the repair call never returns (the extractor is killed while it waits). After the restart: fixed.
      return round === 1 && !releaseRepair ? { kind: 'hang' } : answer(correctOutput());
    });
    const noteId = await submit(`${NOTE} ${marker}`);

    // The extraction call was made and its cost event written; the extractor now waits on the repair call.
    await waitFor(async () => ((seen.get(marker)?.repair ?? 0) >= 1 ? true : null), 45_000, 'the repair request');
    const firstRun = await waitFor(
      async () => {
        const r = await costRows(noteId);
        return r.length >= 1 ? r : null;
      },
      20_000,
      'the first cost event',
    );
    expect(firstRun).toEqual([expect.objectContaining({ purpose: 'extraction', outcome: 'invalid_output' })]);

    const killed = extractors.at(-1)!;
    expect(await killed.stop('SIGKILL')).toBeNull();
    releaseRepair = true;
    server.release();
    await startExtractor();

    // The note was never committed: it is delivered again and extracted again, calls and all.
    const [row] = await waitFor(
      async () => {
        const r = await extractionRows(noteId);
        return r.length > 0 ? r : null;
      },
      90_000,
      'the extraction after the restart',
    );
    expect(['accepted', 'needs_review']).toContain(row!.status);
    expect(seen.get(marker)).toEqual({ extraction: 2, repair: 2 });

    const costs = await waitFor(
      async () => {
        const r = await costRows(noteId);
        return r.length >= 3 ? r : null;
      },
      20_000,
      'the repair and probe cost events',
    );
    await new Promise((r) => setTimeout(r, 1000));
    const final = await costRows(noteId);
    expect(final.map((c) => c.purpose)).toEqual(['extraction', 'probe', 'repair']);
    expect(final).toEqual(costs);

    // The extraction call's event was published by both runs under one id, and recorded once.
    const extractionEvents = published.filter((e) => e.noteId === noteId && e.purpose === 'extraction');
    expect(extractionEvents.length).toBe(2);
    expect(new Set(extractionEvents.map((e) => e.eventId)).size).toBe(1);
    expect(final.find((c) => c.purpose === 'extraction')!.event_id).toBe(extractionEvents[0]!.eventId);
    expect(await extractionRows(noteId)).toHaveLength(1);
  }, 180_000);

  it('makes no LLM call for a note that did not ask for the LLM (a budget fallback to NER): it goes to review', async () => {
    const marker = `Ref ${run}-C.`;
    const noteId = await submit(`${NOTE} ${marker}`, 'bert-ner');
    const [row] = await waitFor(
      async () => {
        const r = await extractionRows(noteId);
        return r.length > 0 ? r : null;
      },
      45_000,
      'the refused note to be stored',
    );
    expect(row!.status).toBe('needs_review');
    expect(await flagRows(row!.id)).toEqual([
      expect.objectContaining({ code: 'ENGINE_FAILED', message: expect.stringContaining('ENGINE_NOT_REQUESTED') }),
    ]);
    expect(seen.get(marker)).toBeUndefined();
    expect(server.requests.some((r) => r.body.messages.some((m) => m.content.includes(marker)))).toBe(false);
    expect(await costRows(noteId)).toEqual([]);
  });

  it('never writes note text to the extractor log', () => {
    const lines = extractors.flatMap((p) => p.lines);
    expect(lines.some((l) => l.includes('clinex-extractor started'))).toBe(true);
    const leaks = lines.filter((l) => /Metformin|Lisinopril|Warfarin|diabetes|58-year-old/i.test(l));
    expect(leaks).toEqual([]);
  });
});

/**
 * A probe "model" that answers each question with the medication mention nearest before the text, optionally
 * attributing the question whose text is `wrongFor` to the first mention instead.
 */
function oracle(options: { wrongFor?: string } = {}): (request: RecordedRequest) => Reply {
  return (request) => {
    const text = request.lastUserMessage;
    const mentions = [...text.matchAll(/^M(\d+): .* at characters (\d+)-(\d+)$/gm)].map((m) => ({
      n: Number(m[1]),
      start: Number(m[2]),
    }));
    const questions = [...text.matchAll(/^Q(\d+): the \w+ text (".*") at characters (\d+)-(\d+)$/gm)].map((m) => ({
      n: Number(m[1]),
      text: JSON.parse(m[2]!) as string,
      start: Number(m[3]),
    }));
    const answers = questions.map((q) => {
      if (options.wrongFor !== undefined && q.text === options.wrongFor) return { question: q.n, mention: 0 };
      const before = mentions.filter((m) => m.start < q.start).pop();
      return { question: q.n, mention: before?.n ?? null };
    });
    return answer({ answers });
  };
}
