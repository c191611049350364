/**
 * The OpenAI test server in hold mode, as a process: every chat request waits until its answer file is written (see
 * openai-answer-files.ts), so a person or an agent can act as the model for `clinex extract --engine llm`.
 *
 *   npx tsx test/support/openai-hold-server.ts [--dir .cache/llm-hold] [--port 8399] [--api-key KEY]
 *
 * It prints its base URL (for LLM_BASE_URL) and then one line per request waiting for an answer. Point the client's
 * per-attempt timeout past the time an answer takes (e.g. LLM_TIMEOUT_MS=3600000, LLM_MAX_RETRIES=0). Stop it with
 * Ctrl-C; held requests are then answered 503.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { answerFiles } from './openai-answer-files.js';
import { OpenAiTestServer } from './openai-test-server.js';

const { values } = parseArgs({
  options: {
    dir: { type: 'string', default: '.cache/llm-hold' },
    port: { type: 'string', default: '0' },
    'api-key': { type: 'string' },
  },
  strict: true,
});

const dir = resolve(values.dir);
const hold = answerFiles({ dir, onWaiting: (id) => process.stdout.write(`waiting ${id}\n`) });
const server = await OpenAiTestServer.start({
  port: Number(values.port),
  ...(values['api-key'] ? { apiKey: values['api-key'] } : {}),
});
server.onRequest(hold.script);
process.stdout.write(`listening ${server.url}\nanswers in ${dir}\n`);

let closing = false;
const close = async () => {
  if (closing) return;
  closing = true;
  hold.stop();
  await new Promise((r) => setTimeout(r, 500));
  await server.close();
  process.exit(0);
};
process.on('SIGINT', () => void close());
process.on('SIGTERM', () => void close());
