import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { LlmCallError, LlmChatClient } from '../../libs/platform/src/index.js';
import { answer, OpenAiTestServer } from '../support/openai-test-server.js';

/**
 * The shared chat client when the connection fails at the transport level: a 200 whose body is cut off, a
 * connection dropped before any answer. Both must be retried like any other connection failure and metered once,
 * never escape as an unclassified error (found by the fault-injection suite: a cut-off answer made the whole Kafka
 * message retry, which repeated calls that had already been paid for).
 */
describe('LLM chat client over a failing connection', () => {
  let server: OpenAiTestServer;
  const client = () =>
    new LlmChatClient({
      baseUrl: server.url,
      model: 'gpt-4o-mini',
      timeoutMs: 2000,
      maxRetries: 2,
      temperature: 0,
      retryBaseMs: 20,
      retryMaxMs: 500,
      responseFormat: 'auto',
      maxOutputTokens: 100,
      tokenizer: 'auto',
    });
  const request = { callId: 'call-1', messages: [{ role: 'user' as const, content: 'Answer in JSON.' }] };

  beforeAll(async () => {
    server = await OpenAiTestServer.start();
  });
  afterAll(async () => {
    await server.close();
  });
  beforeEach(() => server.reset());

  it('retries an answer cut off mid-body and a dropped connection, and meters the one delivered completion', async () => {
    server.enqueue(
      answer({ ok: false }, { cutAfterBytes: 40 }),
      { kind: 'drop' },
      answer({ ok: true }, { usage: { prompt: 50, completion: 7 } }),
    );
    const result = await client().complete(request);
    expect(JSON.parse(result.content)).toEqual({ ok: true });
    expect(result.record).toMatchObject({ outcome: 'ok', attempts: 3, inputTokens: 50, outputTokens: 7 });
    expect(server.requests).toHaveLength(3);
    // Only the last answer reached the client whole.
    expect(server.completions.map((c) => c.index)).toEqual([2]);
  });

  it('ends as a connection error with a record when every attempt is cut off', async () => {
    server.onRequest(() => answer({ ok: false }, { cutAfterBytes: 10 }));
    const error = await client()
      .complete(request)
      .then(
        () => null,
        (e: unknown) => e,
      );
    expect(error).toBeInstanceOf(LlmCallError);
    expect((error as LlmCallError).record).toMatchObject({ outcome: 'connection_error', attempts: 3 });
    expect(server.completions).toHaveLength(0);
  });
});
