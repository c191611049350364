import OpenAI, { APIConnectionError, APIConnectionTimeoutError, APIError } from 'openai';
import type { ChatCompletionCreateParamsNonStreaming } from 'openai/resources/chat/completions';
import type { CostOutcome } from '#schemas';
import type { LlmCallRecord } from './llm-call.record.js';
import type { LlmClientOptions } from './llm.config.js';
import { LlmCallError, LlmErrorCode } from './llm.errors.js';
import { classifyStatus, isRetryable, retryAfterMs, retryDelayMs, type AttemptFailure } from './retry-policy.js';
import { TokenEstimator } from './token-estimator.js';

export interface ChatMessage {
  readonly role: 'system' | 'user' | 'assistant';
  readonly content: string;
}

export interface ChatRequest {
  /** Deterministic per unit of work (see deterministicId); the cost event's id. */
  readonly callId: string;
  readonly messages: readonly ChatMessage[];
  /** JSON Schema the answer must follow: sent as response_format json_schema where the endpoint takes it. */
  readonly schema?: { readonly name: string; readonly schema: Record<string, unknown> };
  readonly maxOutputTokens?: number;
}

export type ResponseFormatKind = 'json_schema' | 'json_object' | 'text';

export interface ChatAnswer {
  readonly content: string;
  /** `stop`, or `length` when the answer was cut off at the token limit. */
  readonly finishReason: string | null;
  /** The structured-output mode this answer was asked for in. */
  readonly responseFormat: ResponseFormatKind;
  readonly record: LlmCallRecord;
}

/** Operational messages only (status codes, attempts, delays, call ids): never prompt or answer text. */
export type LlmLog = (level: 'info' | 'warn', message: string, fields: Record<string, string | number | null>) => void;

export interface LlmClientDeps {
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  log?: LlmLog;
  /** A fetch implementation for the openai client (default: the global one). */
  fetch?: typeof fetch;
}

/** What the endpoint accepted so far; auto mode learns it from 400s once and keeps it for the process. */
interface Compatibility {
  format: ResponseFormatKind;
  tokenParam: 'max_tokens' | 'max_completion_tokens';
  sendTemperature: boolean;
}

const FORMAT_STEPS: Record<ResponseFormatKind, ResponseFormatKind | null> = {
  json_schema: 'json_object',
  json_object: 'text',
  text: null,
};

const MAX_ADAPTATIONS = 3;

const ERROR_CODES: Record<AttemptFailure, LlmErrorCode> = {
  timeout: LlmErrorCode.Timeout,
  rate_limited: LlmErrorCode.RateLimited,
  server_error: LlmErrorCode.Unavailable,
  connection_error: LlmErrorCode.Unavailable,
  rejected: LlmErrorCode.Rejected,
};

interface AttemptError {
  kind: AttemptFailure;
  status?: number;
  headers?: Headers;
  /** The server's message: read to adapt the request, never logged (an echo of the input could carry PHI). */
  serverMessage: string;
  /** Safe to log and store: status and the API's error type/code. */
  summary: string;
}

/**
 * One OpenAI-compatible chat-completions endpoint, through the official `openai` client: per-attempt timeout, our
 * own retry loop (see retry-policy.ts for why), structured output with a fallback for endpoints that refuse it, and
 * a usage record per call (estimated with a tokenizer when the endpoint reports none). Used by the extractor's LLM
 * engine and by the validator's reversal probe.
 */
export class LlmChatClient {
  private readonly openai: OpenAI;
  private readonly estimator: TokenEstimator;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;
  private readonly log: LlmLog;
  private compat: Compatibility;

  constructor(
    readonly options: LlmClientOptions,
    deps: LlmClientDeps = {},
  ) {
    this.openai = new OpenAI({
      baseURL: options.baseUrl,
      // The client refuses to start without a key; keyless servers (vLLM, Ollama) ignore whatever is sent.
      apiKey: options.apiKey ?? 'no-key',
      timeout: options.timeoutMs,
      maxRetries: 0,
      ...(deps.fetch ? { fetch: deps.fetch } : {}),
    });
    this.estimator = TokenEstimator.forModel(options.model, options.tokenizer);
    this.sleep = deps.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.random = deps.random ?? Math.random;
    this.log = deps.log ?? (() => undefined);
    this.compat = {
      format: options.responseFormat === 'auto' ? 'json_schema' : options.responseFormat,
      tokenParam: 'max_tokens',
      sendTemperature: true,
    };
  }

  get model(): string {
    return this.options.model;
  }

  /**
   * Prepares what a call may need later (the tokenizer for usage estimates), so services pay for it at start and
   * not in the middle of other calls. Optional: without it the first estimate loads it.
   */
  async warmUp(): Promise<void> {
    await this.estimator.load();
  }

  /** The structured-output mode the next call asks for. */
  get responseFormat(): ResponseFormatKind {
    return this.compat.format;
  }

  /** Sends one chat request, retrying as configured. Throws LlmCallError (with the call's record) when no answer came. */
  async complete(request: ChatRequest): Promise<ChatAnswer> {
    const started = performance.now();
    const attemptMs: number[] = [];
    let attempts = 0;
    let retries = 0;
    let adaptations = 0;
    let timedOut = 0;
    for (;;) {
      attempts++;
      const attemptStarted = performance.now();
      const format = request.schema ? this.compat.format : 'text';
      // Our own deadline over the whole attempt (headers and body), so a timeout is known as one whatever error the
      // transport raises for the abort; the client's own timeout stays as a backstop.
      const deadline = new AbortController();
      let pastDeadline = false;
      const timer = setTimeout(() => {
        pastDeadline = true;
        deadline.abort();
      }, this.options.timeoutMs);
      try {
        const data = await this.openai.chat.completions.create(this.body(request, format), {
          timeout: this.options.timeoutMs + 1_000,
          maxRetries: 0,
          signal: deadline.signal,
        });
        attemptMs.push(elapsedMs(attemptStarted));
        const choice = data.choices?.[0];
        const content = typeof choice?.message?.content === 'string' ? choice.message.content : '';
        const usage = await this.usage(data.usage, request, format, content, timedOut);
        return {
          content,
          finishReason: choice?.finish_reason ?? null,
          responseFormat: format,
          record: this.record(request, started, attemptMs, 'ok', usage, data.model),
        };
      } catch (error) {
        if (attemptMs.length < attempts) attemptMs.push(elapsedMs(attemptStarted));
        const failure: AttemptError = pastDeadline
          ? { kind: 'timeout', serverMessage: '', summary: `timed out after ${this.options.timeoutMs} ms` }
          : describe(error);
        if (
          failure.kind === 'rejected' &&
          (failure.status === 400 || failure.status === 422) &&
          adaptations < MAX_ADAPTATIONS &&
          this.adapt(failure.serverMessage, request.schema !== undefined)
        ) {
          adaptations++;
          this.log('warn', 'LLM endpoint refused a request parameter; adapted and retrying', {
            callId: request.callId,
            status: failure.status,
            responseFormat: this.compat.format,
            tokenParam: this.compat.tokenParam,
          });
          continue;
        }
        if (failure.kind === 'timeout') timedOut++;
        if (isRetryable(failure.kind) && retries < this.options.maxRetries) {
          const requested = retryAfterMs(failure.headers);
          const delay = retryDelayMs(retries + 1, requested, this.policy, this.random);
          if (delay !== null) {
            retries++;
            this.log('warn', 'LLM call failed; retrying', {
              callId: request.callId,
              failure: failure.kind,
              status: failure.status ?? null,
              attempt: attempts,
              delayMs: delay,
              retryAfterMs: requested,
            });
            await this.sleep(delay);
            continue;
          }
          failure.summary += `; server asked to wait longer than ${this.options.retryMaxMs} ms`;
        }
        const estimatedInput = timedOut > 0 ? timedOut * (await this.promptTokens(request, format)) : 0;
        const record = this.record(request, started, attemptMs, failure.kind, {
          inputTokens: estimatedInput,
          outputTokens: 0,
          cachedTokens: 0,
          estimated: timedOut > 0,
        });
        throw new LlmCallError(
          ERROR_CODES[failure.kind],
          `LLM call failed after ${attempts} attempt(s): ${failure.summary}`,
          record,
          failure.status,
        );
      } finally {
        clearTimeout(timer);
      }
    }
  }

  private get policy() {
    return { maxRetries: this.options.maxRetries, baseMs: this.options.retryBaseMs, maxMs: this.options.retryMaxMs };
  }

  private body(request: ChatRequest, format: ResponseFormatKind): ChatCompletionCreateParamsNonStreaming {
    const maxTokens = request.maxOutputTokens ?? this.options.maxOutputTokens;
    const body: ChatCompletionCreateParamsNonStreaming = {
      model: this.options.model,
      messages: request.messages.map((m) => ({ role: m.role, content: m.content })),
      ...(this.compat.sendTemperature ? { temperature: this.options.temperature } : {}),
      ...(this.compat.tokenParam === 'max_tokens' ? { max_tokens: maxTokens } : { max_completion_tokens: maxTokens }),
    };
    if (request.schema && format === 'json_schema') {
      body.response_format = {
        type: 'json_schema',
        json_schema: { name: request.schema.name, schema: request.schema.schema, strict: true },
      };
    } else if (request.schema && format === 'json_object') {
      body.response_format = { type: 'json_object' };
    }
    return body;
  }

  /**
   * Adapts to an endpoint that refused a parameter (OpenAI's reasoning models want max_completion_tokens and no
   * temperature; many servers lack json_schema). Returns false when there is nothing left to change.
   */
  private adapt(message: string, structured: boolean): boolean {
    const m = message.toLowerCase();
    if (m.includes('max_tokens') && m.includes('max_completion_tokens') && this.compat.tokenParam === 'max_tokens') {
      this.compat = { ...this.compat, tokenParam: 'max_completion_tokens' };
      return true;
    }
    if (m.includes('temperature') && this.compat.sendTemperature) {
      this.compat = { ...this.compat, sendTemperature: false };
      return true;
    }
    const next = FORMAT_STEPS[this.compat.format];
    if (
      structured &&
      this.options.responseFormat === 'auto' &&
      next !== null &&
      /response_format|json_schema|json_object|structured output|guided|grammar/.test(m)
    ) {
      this.compat = { ...this.compat, format: next };
      return true;
    }
    return false;
  }

  private async promptTokens(request: ChatRequest, format: ResponseFormatKind): Promise<number> {
    const schemaText = request.schema && format === 'json_schema' ? JSON.stringify(request.schema.schema) : '';
    return this.estimator.countPrompt(request.messages, schemaText);
  }

  private async usage(
    reported: OpenAI.CompletionUsage | undefined,
    request: ChatRequest,
    format: ResponseFormatKind,
    content: string,
    timedOut: number,
  ): Promise<Pick<LlmCallRecord, 'inputTokens' | 'outputTokens' | 'cachedTokens' | 'estimated'>> {
    // Attempts that timed out may still have been processed (and billed): counted at their estimated prompt size.
    const timedOutInput = timedOut > 0 ? timedOut * (await this.promptTokens(request, format)) : 0;
    if (reported && isCount(reported.prompt_tokens) && isCount(reported.completion_tokens)) {
      const cached = reported.prompt_tokens_details?.cached_tokens;
      return {
        inputTokens: reported.prompt_tokens + timedOutInput,
        outputTokens: reported.completion_tokens,
        cachedTokens: isCount(cached) ? Math.min(cached, reported.prompt_tokens) : 0,
        estimated: timedOut > 0,
      };
    }
    return {
      inputTokens: (await this.promptTokens(request, format)) + timedOutInput,
      outputTokens: await this.estimator.count(content),
      cachedTokens: 0,
      estimated: true,
    };
  }

  private record(
    request: ChatRequest,
    started: number,
    attemptMs: readonly number[],
    outcome: CostOutcome,
    usage: Pick<LlmCallRecord, 'inputTokens' | 'outputTokens' | 'cachedTokens' | 'estimated'>,
    servedModel?: string,
  ): LlmCallRecord {
    return {
      callId: request.callId,
      model: this.options.model,
      servedModel: typeof servedModel === 'string' && servedModel.length > 0 ? servedModel.slice(0, 200) : null,
      ...usage,
      latencyMs: elapsedMs(started),
      attempts: attemptMs.length,
      attemptLatencyMs: [...attemptMs],
      outcome,
    };
  }
}

function elapsedMs(since: number): number {
  return Math.round(performance.now() - since);
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0;
}

/** Duck-typed: the Headers class differs between realms (e.g. under a test runner's VM). */
function headersOf(error: { headers?: unknown }): Headers | null {
  const headers = error.headers;
  return typeof headers === 'object' && headers !== null && typeof (headers as Headers).get === 'function'
    ? (headers as Headers)
    : null;
}

function describe(error: unknown): AttemptError {
  if (error instanceof APIConnectionTimeoutError) {
    return { kind: 'timeout', serverMessage: '', summary: 'timed out' };
  }
  if (error instanceof APIConnectionError) {
    return { kind: 'connection_error', serverMessage: '', summary: 'connection failed' };
  }
  if (error instanceof APIError && typeof error.status === 'number') {
    const headers = headersOf(error as { headers?: unknown });
    const detail = [error.type, error.code].filter((v) => typeof v === 'string' && v.length > 0).join('/');
    return {
      kind: classifyStatus(error.status),
      status: error.status,
      ...(headers ? { headers } : {}),
      serverMessage: error.message,
      summary: `HTTP ${error.status}${detail ? ` (${detail.slice(0, 100)})` : ''}`,
    };
  }
  // A connection that failed after the status line, while the body was read (a 200 cut off mid-answer): the openai
  // client passes fetch's own error through unwrapped. Retryable like any other dropped connection.
  if (isTransportFailure(error)) {
    return { kind: 'connection_error', serverMessage: '', summary: 'connection lost while reading the answer' };
  }
  // Not a transport or API error: a bug, which must surface rather than be retried as if the endpoint failed.
  throw error;
}

const TRANSPORT_ERROR_CODES = new Set(['ECONNRESET', 'EPIPE', 'ECONNREFUSED', 'ETIMEDOUT']);

/** fetch's network failures: `TypeError: terminated` (undici), or any error caused by a socket-level one. */
function isTransportFailure(error: unknown, depth = 0): boolean {
  if (depth > 4 || typeof error !== 'object' || error === null) return false;
  const { code, cause, message } = error as { code?: unknown; cause?: unknown; message?: unknown };
  if (typeof code === 'string' && (TRANSPORT_ERROR_CODES.has(code) || code.startsWith('UND_ERR_SOCKET'))) return true;
  if (error instanceof TypeError && (message === 'terminated' || message === 'fetch failed')) return true;
  return isTransportFailure(cause, depth + 1);
}
