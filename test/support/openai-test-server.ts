import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A real HTTP server speaking the OpenAI chat-completions API, for tests: there is no paid endpoint here. It parses
 * and checks requests as the API does (auth, JSON body, model, messages, response_format rules), answers with the
 * API's JSON shapes (choices, finish_reason, usage with cached tokens) and error bodies, and sends Retry-After with
 * 429s. What it answers is scripted per test. Clients see nothing but the protocol.
 *
 * Hold mode (openai-answer-files.ts, and openai-hold-server.ts to run it as a process) scripts it with answer files:
 * each request waits until a person or an agent writes the model's answer.
 */

export interface ChatRequestBody {
  model: string;
  messages: { role: string; content: string }[];
  temperature?: number;
  max_tokens?: number;
  max_completion_tokens?: number;
  response_format?: { type: string; json_schema?: { name?: string; schema?: unknown; strict?: boolean } };
  [key: string]: unknown;
}

export interface RecordedRequest {
  readonly body: ChatRequestBody;
  readonly headers: IncomingMessage['headers'];
  readonly receivedAt: number;
  /** The last user message: where the engine puts the note. */
  readonly lastUserMessage: string;
}

export type Reply =
  | {
      kind: 'answer';
      /** A string is sent as is (malformed JSON included); anything else is JSON-encoded. */
      content: unknown;
      finishReason?: 'stop' | 'length' | 'content_filter';
      /** `null` omits usage (some servers do); undefined counts tokens at about 4 characters each. */
      usage?: { prompt: number; completion: number; cached?: number } | null;
      /** The model the response claims (default: the requested one). */
      model?: string;
      delayMs?: number;
      /**
       * Sends the status line, the headers and only this many bytes of the body, then drops the connection: the
       * client sees a 200 whose body never completes (a proxy or server dying mid-answer).
       */
      cutAfterBytes?: number;
    }
  | {
      kind: 'error';
      status: number;
      message: string;
      type?: string;
      code?: string | null;
      param?: string | null;
      /** Sent as the Retry-After header (seconds, or an HTTP date). */
      retryAfter?: string;
      retryAfterMs?: number;
      delayMs?: number;
    }
  /** Accepts the request and never answers (the client must time out); released when the server closes. */
  | { kind: 'hang' }
  /** Drops the connection without answering (after `delayMs`, if given). */
  | { kind: 'drop'; delayMs?: number };

export type Script = (request: RecordedRequest, index: number) => Reply | Promise<Reply>;

/**
 * A completion the server actually delivered: a 200 with a usage block whose whole body was written. What a provider
 * bills, and so what cost events must reconcile against. Answers cut off or dropped never count.
 */
export interface DeliveredCompletion {
  readonly request: RecordedRequest;
  /** The request's position in `requests`. */
  readonly index: number;
  readonly promptTokens: number;
  readonly completionTokens: number;
  readonly cachedTokens: number;
}

export interface OpenAiTestServerOptions {
  /** Bearer token the server requires (default: any). */
  apiKey?: string;
  /** Port on 127.0.0.1 (default: any free one). */
  port?: number;
  /** Rejects response_format json_schema with a 400, as servers without structured outputs do. */
  supportsJsonSchema?: boolean;
}

export const answer = (
  content: unknown,
  extra: Omit<Extract<Reply, { kind: 'answer' }>, 'kind' | 'content'> = {},
): Reply => ({
  kind: 'answer',
  content,
  ...extra,
});

export const apiError = (status: number, extra: Partial<Extract<Reply, { kind: 'error' }>> = {}): Reply => ({
  kind: 'error',
  status,
  message:
    extra.message ??
    (status === 429 ? 'Rate limit reached for requests' : status >= 500 ? 'The server had an error' : 'Bad request'),
  type: status === 429 ? 'requests' : status >= 500 ? 'server_error' : 'invalid_request_error',
  ...extra,
});

export class OpenAiTestServer {
  readonly requests: RecordedRequest[] = [];
  /** Completions delivered in full with usage, in the order their bodies finished writing. */
  readonly completions: DeliveredCompletion[] = [];
  private readonly queue: Reply[] = [];
  private script: Script | null = null;
  private readonly hanging = new Set<ServerResponse>();
  private server!: Server;
  url = '';

  private constructor(private readonly options: OpenAiTestServerOptions) {}

  static async start(options: OpenAiTestServerOptions = {}): Promise<OpenAiTestServer> {
    const s = new OpenAiTestServer(options);
    s.server = createServer((req, res) => void s.handle(req, res));
    await new Promise<void>((resolve) => s.server.listen(options.port ?? 0, '127.0.0.1', resolve));
    const { port } = s.server.address() as AddressInfo;
    s.url = `http://127.0.0.1:${port}/v1`;
    return s;
  }

  /** Replies for the next requests, in order; after them the script (if any) answers. */
  enqueue(...replies: Reply[]): this {
    this.queue.push(...replies);
    return this;
  }

  /** Answers every request not covered by the queue. */
  onRequest(script: Script | null): this {
    this.script = script;
    return this;
  }

  reset(): void {
    this.queue.length = 0;
    this.requests.length = 0;
    this.completions.length = 0;
    this.script = null;
    this.release();
  }

  /** Ends hanging requests (their clients see a dropped connection, if they are still waiting). */
  release(): void {
    for (const res of this.hanging) res.destroy();
    this.hanging.clear();
  }

  async close(): Promise<void> {
    this.release();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    if (req.method !== 'POST' || !/\/v1\/chat\/completions\/?$/.test(req.url ?? '')) {
      return this.sendError(res, 404, {
        message: `Unknown request URL: ${req.method} ${req.url}`,
        type: 'invalid_request_error',
        code: 'unknown_url',
      });
    }
    let body: ChatRequestBody;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as ChatRequestBody;
    } catch {
      return this.sendError(res, 400, {
        message: 'We could not parse the JSON body of your request.',
        type: 'invalid_request_error',
      });
    }
    const messages = Array.isArray(body?.messages) ? body.messages : [];
    const lastUser = [...messages].reverse().find((m) => m?.role === 'user');
    const recorded: RecordedRequest = {
      body,
      headers: req.headers,
      receivedAt: Date.now(),
      lastUserMessage: typeof lastUser?.content === 'string' ? lastUser.content : '',
    };
    // Every request that reached the endpoint is recorded, refused ones included.
    this.requests.push(recorded);
    const auth = req.headers.authorization ?? '';
    if (
      !auth.startsWith('Bearer ') ||
      (this.options.apiKey !== undefined && auth !== `Bearer ${this.options.apiKey}`)
    ) {
      return this.sendError(res, 401, {
        message: 'Incorrect API key provided.',
        type: 'invalid_request_error',
        code: 'invalid_api_key',
      });
    }
    const invalid = this.checkBody(body);
    if (invalid)
      return this.sendError(res, 400, {
        message: invalid.message,
        type: 'invalid_request_error',
        param: invalid.param,
      });

    const index = this.requests.length - 1;
    const reply = this.queue.shift() ?? (this.script ? await this.script(recorded, index) : null);
    if (!reply)
      return this.sendError(res, 500, {
        message: 'test server: no reply scripted for this request',
        type: 'server_error',
      });
    if (reply.kind === 'hang') {
      this.hanging.add(res);
      res.on('close', () => this.hanging.delete(res));
      return;
    }
    if (reply.kind === 'drop') {
      if (reply.delayMs) await new Promise((r) => setTimeout(r, reply.delayMs));
      res.destroy();
      return;
    }
    if (reply.delayMs) {
      const closed = await Promise.race([
        new Promise<boolean>((r) => setTimeout(() => r(false), reply.delayMs)),
        new Promise<boolean>((r) => res.on('close', () => r(true))),
      ]);
      if (closed) return;
    }
    if (reply.kind === 'error') {
      const headers: Record<string, string> = {};
      if (reply.retryAfter !== undefined) headers['retry-after'] = reply.retryAfter;
      if (reply.retryAfterMs !== undefined) headers['retry-after-ms'] = String(reply.retryAfterMs);
      return this.sendError(res, reply.status, reply, headers);
    }
    this.sendAnswer(res, body, reply, recorded, index);
  }

  private checkBody(body: ChatRequestBody): { message: string; param: string } | null {
    if (typeof body !== 'object' || body === null) return { message: 'Invalid body', param: '' };
    if (typeof body.model !== 'string' || !body.model)
      return { message: "Missing required parameter: 'model'.", param: 'model' };
    if (!Array.isArray(body.messages) || body.messages.length === 0) {
      return { message: "Invalid 'messages': empty array.", param: 'messages' };
    }
    for (const [i, m] of body.messages.entries()) {
      if (!['system', 'user', 'assistant', 'developer', 'tool'].includes(m?.role) || typeof m.content !== 'string') {
        return { message: `Invalid value for 'messages[${i}]'.`, param: `messages[${i}]` };
      }
    }
    if (body.stream) return { message: 'This test server does not stream.', param: 'stream' };
    const format = body.response_format;
    if (format) {
      if (format.type === 'json_schema') {
        if (this.options.supportsJsonSchema === false) {
          return {
            message: "Invalid parameter: 'response_format' of type 'json_schema' is not supported with this model.",
            param: 'response_format',
          };
        }
        if (!format.json_schema?.name || typeof format.json_schema.schema !== 'object') {
          return {
            message: "Missing required parameter: 'response_format.json_schema.name'.",
            param: 'response_format',
          };
        }
      } else if (format.type === 'json_object') {
        if (!body.messages.some((m) => /json/i.test(m.content))) {
          return {
            message:
              "'messages' must contain the word 'json' in some form, to use 'response_format' of type 'json_object'.",
            param: 'messages',
          };
        }
      } else if (format.type !== 'text') {
        return {
          message: `Invalid value: '${format.type}'. Supported values are: 'json_object', 'json_schema', and 'text'.`,
          param: 'response_format.type',
        };
      }
    }
    return null;
  }

  private sendAnswer(
    res: ServerResponse,
    body: ChatRequestBody,
    reply: Extract<Reply, { kind: 'answer' }>,
    request: RecordedRequest,
    index: number,
  ): void {
    const content = typeof reply.content === 'string' ? reply.content : JSON.stringify(reply.content);
    const promptChars = body.messages.reduce((a, m) => a + m.content.length, 0);
    const usage =
      reply.usage === null
        ? undefined
        : reply.usage
          ? { prompt: reply.usage.prompt, completion: reply.usage.completion, cached: reply.usage.cached ?? 0 }
          : {
              prompt: Math.ceil(promptChars / 4) + 3 * body.messages.length,
              completion: Math.ceil(content.length / 4),
              cached: 0,
            };
    const payload = {
      id: `chatcmpl-${randomBytes(12).toString('hex')}`,
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1000),
      model: reply.model ?? body.model,
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content, refusal: null },
          logprobs: null,
          finish_reason: reply.finishReason ?? 'stop',
        },
      ],
      ...(usage
        ? {
            usage: {
              prompt_tokens: usage.prompt,
              completion_tokens: usage.completion,
              total_tokens: usage.prompt + usage.completion,
              prompt_tokens_details: { cached_tokens: usage.cached, audio_tokens: 0 },
              completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0 },
            },
          }
        : {}),
      system_fingerprint: 'fp_clinex_test',
    };
    const text = Buffer.from(JSON.stringify(payload));
    res.writeHead(200, {
      'content-type': 'application/json',
      'content-length': String(text.length),
      'x-request-id': `req_${randomBytes(8).toString('hex')}`,
    });
    if (reply.cutAfterBytes !== undefined && reply.cutAfterBytes < text.length) {
      res.write(text.subarray(0, reply.cutAfterBytes), () => res.destroy());
      return;
    }
    if (usage) {
      // 'finish': the whole body was handed to the connection (a client that went away first gets 'close' alone).
      res.on('finish', () =>
        this.completions.push({
          request,
          index,
          promptTokens: usage.prompt,
          completionTokens: usage.completion,
          cachedTokens: usage.cached,
        }),
      );
    }
    res.end(text);
  }

  private sendError(
    res: ServerResponse,
    status: number,
    error: {
      message: string;
      type?: string | undefined;
      code?: string | null | undefined;
      param?: string | null | undefined;
    },
    headers: Record<string, string> = {},
  ): void {
    res.writeHead(status, {
      'content-type': 'application/json',
      'x-request-id': `req_${randomBytes(8).toString('hex')}`,
      ...headers,
    });
    res.end(
      JSON.stringify({
        error: {
          message: error.message,
          type: error.type ?? 'invalid_request_error',
          param: error.param ?? null,
          code: error.code ?? null,
        },
      }),
    );
  }
}
