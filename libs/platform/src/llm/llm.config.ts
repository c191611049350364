import { z } from 'zod';
import { env } from '../config/config.loader.js';

export const RESPONSE_FORMAT_MODES = ['auto', 'json_schema', 'json_object', 'text'] as const;
export type ResponseFormatMode = (typeof RESPONSE_FORMAT_MODES)[number];
export const TOKENIZER_CHOICES = ['auto', 'o200k_base', 'cl100k_base', 'heuristic'] as const;
export type TokenizerChoice = (typeof TOKENIZER_CHOICES)[number];

/**
 * The variables of an OpenAI-compatible chat endpoint (OpenAI, Azure OpenAI's v1 API, vLLM, Ollama, llama.cpp server,
 * a LiteLLM proxy...). Shared by every app that calls one, so they all read them the same way. Each app decides which
 * are required (the extractor requires LLM_BASE_URL and LLM_MODEL when EXTRACTOR_ENGINE=llm).
 */
export const llmConfigShape = {
  /** Base URL of the API, up to and including its version path, e.g. `https://api.openai.com/v1`. */
  LLM_BASE_URL: z.url({ protocol: /^https?$/ }).optional(),
  /** API key sent as a bearer token (secret). Servers that need none (vLLM, Ollama) accept any value. */
  LLM_API_KEY: z.string().min(1).optional(),
  /** Model name as the endpoint knows it; also the price table's key. */
  LLM_MODEL: z.string().min(1).max(200).optional(),
  /** Per-attempt timeout. */
  LLM_TIMEOUT_MS: env.positiveInt(60_000),
  /** Retries after the first attempt, for 429, 5xx, timeouts and connection errors. */
  LLM_MAX_RETRIES: z.coerce.number().int().min(0).max(10).default(3),
  LLM_TEMPERATURE: z.coerce.number().min(0).max(2).default(0),
  /** First backoff; doubles per retry, with jitter. */
  LLM_RETRY_BASE_MS: env.positiveInt(1_000),
  /** Longest single wait; a Retry-After beyond it ends the call as rate-limited instead of waiting. */
  LLM_RETRY_MAX_MS: env.positiveInt(30_000),
  /** Structured output: `auto` asks for json_schema and steps down (json_object, then plain text) if refused. */
  LLM_RESPONSE_FORMAT: z.enum(RESPONSE_FORMAT_MODES).default('auto'),
  LLM_MAX_OUTPUT_TOKENS: env.positiveInt(4_096),
  /** Tokenizer for usage estimates when the endpoint reports none; `auto` picks one from the model name. */
  LLM_TOKENIZER: z.enum(TOKENIZER_CHOICES).default('auto'),
};

export interface LlmClientOptions {
  baseUrl: string;
  apiKey?: string | undefined;
  model: string;
  timeoutMs: number;
  maxRetries: number;
  temperature: number;
  retryBaseMs: number;
  retryMaxMs: number;
  responseFormat: ResponseFormatMode;
  maxOutputTokens: number;
  tokenizer: TokenizerChoice;
}

export type LlmConfigValues = z.infer<z.ZodObject<typeof llmConfigShape>>;

/** Client options from validated config; null when no endpoint is configured. */
export function llmClientOptions(config: LlmConfigValues): LlmClientOptions | null {
  if (!config.LLM_BASE_URL || !config.LLM_MODEL) return null;
  return {
    baseUrl: config.LLM_BASE_URL,
    apiKey: config.LLM_API_KEY,
    model: config.LLM_MODEL,
    timeoutMs: config.LLM_TIMEOUT_MS,
    maxRetries: config.LLM_MAX_RETRIES,
    temperature: config.LLM_TEMPERATURE,
    retryBaseMs: config.LLM_RETRY_BASE_MS,
    retryMaxMs: config.LLM_RETRY_MAX_MS,
    responseFormat: config.LLM_RESPONSE_FORMAT,
    maxOutputTokens: config.LLM_MAX_OUTPUT_TOKENS,
    tokenizer: config.LLM_TOKENIZER,
  };
}

/** Refinement: the named variables are required when `when` holds (e.g. EXTRACTOR_ENGINE=llm). */
export function requireLlmEndpoint(
  config: { LLM_BASE_URL?: string | undefined; LLM_MODEL?: string | undefined },
  ctx: z.RefinementCtx,
  reason: string,
): void {
  for (const variable of ['LLM_BASE_URL', 'LLM_MODEL'] as const) {
    if (!config[variable]) ctx.addIssue({ code: 'custom', path: [variable], message: `is required ${reason}` });
  }
}
