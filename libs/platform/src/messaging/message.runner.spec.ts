import { describe, expect, it } from '@jest/globals';
import { Writable } from 'node:stream';
import { compileContract, NoteSubmittedSchema, type DeadLetter } from '#schemas';
import { createLogger } from '../logging/logger.js';
import { InProcessBus } from './in-process/in-process.bus.js';
import type { Delivery } from './delivery.js';
import { isUnavailableError, Outcome, type MessageOutcome } from './message-outcome.js';
import { MessageRunner } from './message.runner.js';

const check = compileContract(NoteSubmittedSchema);
const valid = {
  version: 1,
  messageId: '6d7c6f1e-3d6b-4f57-9f0e-2b7f5c1f0a11',
  tenantId: '1b4e28ba-2fa1-41d2-883f-0016d3cca427',
  noteId: '9f1c2a3b-4d5e-4f60-8a7b-1c2d3e4f5a6b',
  externalId: 'n-1',
  text: 'Aspirin 81 mg daily.',
  requestedEngine: 'none',
  submittedAt: '2026-11-28T10:00:00.000Z',
};

function setup(maxAttempts = 3) {
  const bus = new InProcessBus(1);
  const letters: DeadLetter[] = [];
  bus.subscribe('dead-letter', 'test', (m) => {
    letters.push(JSON.parse(m.value) as DeadLetter);
    return Promise.resolve();
  });
  const quiet = new Writable({ write: (_c, _e, cb) => cb() });
  const runner = new MessageRunner(
    bus,
    { consumerGroup: 'g', maxAttempts, baseBackoffMs: 1, maxBackoffMs: 5 },
    createLogger({ name: 'test', level: 'fatal', destination: quiet }),
  );
  const delivery: Delivery = {
    topic: 'notes.submitted',
    partition: 0,
    offset: '7',
    key: 'k',
    heartbeat: () => Promise.resolve(),
  };
  const settle = () => new Promise((r) => setTimeout(r, 20));
  return { runner, delivery, letters, settle };
}

describe('MessageRunner: every message ends in success, skip, or the dead-letter topic', () => {
  it('returns a handler success without dead-lettering', async () => {
    const { runner, delivery, letters, settle } = setup();
    expect(await runner.run(delivery, valid, check, () => Promise.resolve(Outcome.success()))).toEqual({
      kind: 'success',
    });
    await settle();
    expect(letters).toEqual([]);
  });

  it('dead-letters malformed and schema-invalid payloads without calling the handler', async () => {
    const { runner, delivery, letters, settle } = setup();
    let calls = 0;
    const handle = () => {
      calls++;
      return Promise.resolve(Outcome.success());
    };
    await runner.run(delivery, '{"broken', check, handle);
    await runner.run(delivery, { ...valid, noteId: 'nope' }, check, handle);
    await settle();
    expect(calls).toBe(0);
    expect(letters.map((l) => l.reason)).toEqual(['malformed_json', 'schema_invalid']);
    expect(letters[1]!.detail).toContain('/noteId');
    expect(Buffer.from(letters[0]!.payloadBase64, 'base64').toString()).toBe('{"broken');
  });

  it('retries a retryable failure up to maxAttempts, then dead-letters it with the count', async () => {
    const { runner, delivery, letters, settle } = setup(3);
    let calls = 0;
    const outcome = await runner.run(delivery, valid, check, () => {
      calls++;
      return Promise.resolve(Outcome.retry('db_busy', 'try later'));
    });
    await settle();
    expect(calls).toBe(3);
    expect(outcome.kind).toBe('failed');
    expect(letters).toMatchObject([
      { reason: 'retries_exhausted', attempts: 3, offset: '7', sourceTopic: 'notes.submitted' },
    ]);
  });

  it('treats a thrown exception as retryable, and a non-retryable failure as final at once', async () => {
    const { runner, delivery, letters, settle } = setup(2);
    let calls = 0;
    await runner.run(delivery, valid, check, () => {
      calls++;
      return Promise.reject(new Error('boom'));
    });
    await runner.run(delivery, valid, check, () => Promise.resolve(Outcome.reject('bad', 'never works')));
    await settle();
    expect(calls).toBe(2);
    expect(letters.map((l) => l.reason)).toEqual(['retries_exhausted', 'non_retryable']);
  });

  it('waits out an unavailable dependency without using the retry budget or dead-lettering', async () => {
    const { runner, delivery, letters, settle } = setup(2);
    let calls = 0;
    const outcome = await runner.run(delivery, valid, check, (): Promise<MessageOutcome> => {
      calls++;
      if (calls <= 5)
        return Promise.reject(
          Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }),
        );
      return Promise.resolve(Outcome.success());
    });
    await settle();
    expect(calls).toBe(6);
    expect(outcome.kind).toBe('success');
    expect(letters).toEqual([]);
  });

  it('stops waiting and leaves the message uncommitted when the service shuts down', async () => {
    const { runner, delivery } = setup();
    runner.close();
    await expect(
      runner.run(delivery, valid, check, () => Promise.resolve(Outcome.unavailable('db', 'down'))),
    ).rejects.toThrow(/shutting down/);
  });
});

describe('isUnavailableError', () => {
  it.each([
    [Object.assign(new Error('x'), { code: 'ECONNREFUSED' })],
    [Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' })],
    [new Error('Connection terminated unexpectedly')],
    [Object.assign(new Error('wrapped'), { cause: Object.assign(new Error('y'), { code: 'ECONNRESET' }) })],
    [Object.assign(new Error('Connection error'), { name: 'KafkaJSConnectionError' })],
  ])('recognises %p as a dependency outage', (error) => {
    expect(isUnavailableError(error)).toBe(true);
  });

  it.each([[new Error('Unique constraint failed')], [new TypeError('x is undefined')], ['string'], [null]])(
    'does not take %p for an outage',
    (error) => {
      expect(isUnavailableError(error)).toBe(false);
    },
  );
});
