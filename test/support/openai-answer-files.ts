import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { answer, type RecordedRequest, type Reply, type Script } from './openai-test-server.js';

/**
 * Hold mode for the OpenAI test server: each chat request is held open until someone writes its answer to a file,
 * so a person or an agent can act as the model behind a real OpenAI-compatible endpoint (the client sees nothing but
 * the protocol: a slow model).
 *
 * For each request, in `dir`:
 * - `<id>.request.json`: the request body as sent (model, messages, response_format...);
 * - `<id>.prompt.txt`: the same messages, readable: one `=== <role> ===` block per message;
 * then the server waits for `<id>.answer.json` (the assistant message's content, sent as is: normally the JSON
 * object; anything else is what a model that answered badly would send). Write it atomically (to a temporary name,
 * then rename), or the server may read half a file: a half-written file is re-read until it parses or stops changing.
 *
 * `<id>` is a sequence number and a hash of the messages (`0003-5f1c9a2e`): every request gets a new id, a repair
 * prompt (the same conversation plus the bad answer and the complaint) included, and the sequence continues after
 * the highest one already in `dir`, so an answer left from an earlier run is never sent for a new request. The files
 * hold note text: keep `dir` private
 * (the default of `openai-hold-server.ts` is under the git-ignored .cache/) and delete it when done.
 */
export interface AnswerFilesOptions {
  readonly dir: string;
  /** How often to look for the answer file. */
  readonly pollMs?: number;
  /** How long a half-written answer may stay unchanged before it is sent as it is. */
  readonly settleMs?: number;
  /** Reported token usage; default none (the client then counts tokens with its tokenizer and marks them estimated). */
  readonly usage?: (request: RecordedRequest, content: string) => { prompt: number; completion: number } | null;
  /** Called when a request is waiting (its id), e.g. to print a line for the agent. */
  readonly onWaiting?: (id: string) => void;
}

export interface AnswerFiles {
  readonly script: Script;
  /** Requests written and not yet answered, by id. */
  readonly waiting: ReadonlySet<string>;
  /** Stops waiting: held requests are answered with a 503 (the server is going away). */
  stop(): void;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function requestId(request: RecordedRequest, sequence: number): string {
  const hash = createHash('sha256').update(JSON.stringify(request.body.messages)).digest('hex').slice(0, 8);
  return `${String(sequence).padStart(4, '0')}-${hash}`;
}

/** The first sequence number after those of the request files already in `dir`. */
async function nextSequence(dir: string): Promise<number> {
  const files = await readdir(dir).catch(() => [] as string[]);
  const used = files.map((f) => /^(\d+)-[0-9a-f]{8}\.request\.json$/.exec(f)?.[1]).filter((n) => n !== undefined);
  return used.reduce((max, n) => Math.max(max, Number(n) + 1), 0);
}

function readable(request: RecordedRequest): string {
  const format = request.body.response_format;
  const header = `model: ${request.body.model}\nresponse_format: ${format?.type ?? 'none'}${format?.json_schema?.name ? ` (${format.json_schema.name})` : ''}\n`;
  return `${header}\n${request.body.messages.map((m) => `=== ${m.role} ===\n${m.content}`).join('\n\n')}\n`;
}

async function writeAtomically(path: string, content: string): Promise<void> {
  await writeFile(`${path}.tmp`, content);
  await rename(`${path}.tmp`, path);
}

export function answerFiles(options: AnswerFilesOptions): AnswerFiles {
  const pollMs = options.pollMs ?? 200;
  const settleMs = options.settleMs ?? 2_000;
  const waiting = new Set<string>();
  let stopped = false;
  let sequence: Promise<number> | null = null;
  const nextId = async (request: RecordedRequest): Promise<string> => {
    // Chained, so requests arriving together get consecutive numbers.
    const n = sequence ?? nextSequence(options.dir);
    sequence = n.then((v) => v + 1);
    return requestId(request, await n);
  };

  const waitForAnswer = async (path: string): Promise<string | null> => {
    let last: string | null = null;
    let unchangedSince = 0;
    while (!stopped) {
      const content = await readFile(path, 'utf8').catch(() => null);
      if (content !== null) {
        if (isJson(content)) return content;
        if (content === last) {
          if (Date.now() - unchangedSince >= settleMs) return content;
        } else {
          last = content;
          unchangedSince = Date.now();
        }
      }
      await sleep(pollMs);
    }
    return null;
  };

  const script: Script = async (request): Promise<Reply> => {
    await mkdir(options.dir, { recursive: true });
    const id = await nextId(request);
    await writeAtomically(join(options.dir, `${id}.request.json`), `${JSON.stringify(request.body, null, 2)}\n`);
    await writeAtomically(join(options.dir, `${id}.prompt.txt`), readable(request));
    waiting.add(id);
    options.onWaiting?.(id);
    try {
      const content = await waitForAnswer(join(options.dir, `${id}.answer.json`));
      if (content === null)
        return { kind: 'error', status: 503, message: 'The server is shutting down', type: 'server_error' };
      const usage = options.usage?.(request, content);
      return answer(content, { usage: usage === undefined ? null : usage });
    } finally {
      waiting.delete(id);
    }
  };

  return {
    script,
    waiting,
    stop: () => {
      stopped = true;
    },
  };
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
