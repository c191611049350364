import type { TokenizerChoice } from './llm.config.js';

export type TokenizerName = 'o200k_base' | 'cl100k_base' | 'heuristic';

/**
 * Token counts for calls whose endpoint reported no usage. OpenAI-family models are counted with their own BPE
 * (js-tiktoken ships the ranks, no download); other families (Llama, Mistral, Qwen...) have no offline tokenizer here
 * and get a character heuristic. Either way the event is marked `estimated`.
 *
 * The heuristic: clinical notes and JSON measured 3.6 characters per token with cl100k_base (3.8 with o200k_base) on
 * tools/local/demo-notes.json; dividing by 3.2 over-counts by about 10% there, and stays close for smaller
 * vocabularies (Llama 2 / Mistral, about 3 characters per token). An over-estimate is the safe side for a budget.
 */
export const HEURISTIC_CHARS_PER_TOKEN = 3.2;

/** Per-message framing of the chat format (role and separators) and the reply primer, as OpenAI documents them. */
const TOKENS_PER_MESSAGE = 3;
const REPLY_PRIMER_TOKENS = 3;

export function tokenizerForModel(model: string, choice: TokenizerChoice = 'auto'): TokenizerName {
  if (choice !== 'auto') return choice;
  const m = model.toLowerCase();
  if (/(^|[/:-])(gpt-4o|gpt-4\.1|gpt-4\.5|gpt-5|o1|o3|o4|chatgpt-4o|gpt-oss)/.test(m)) return 'o200k_base';
  if (/(^|[/:-])(gpt-4|gpt-3\.5|gpt-35)/.test(m)) return 'cl100k_base';
  return 'heuristic';
}

interface Encoder {
  encode(text: string, allowedSpecial?: string[] | 'all', disallowedSpecial?: string[] | 'all'): number[];
}

const encoders = new Map<Exclude<TokenizerName, 'heuristic'>, Promise<Encoder>>();

function loadEncoder(name: Exclude<TokenizerName, 'heuristic'>): Promise<Encoder> {
  let encoder = encoders.get(name);
  if (!encoder) {
    // Loaded on first use (or by `load()` at a service's start): the ranks are megabytes, and most endpoints do
    // report usage.
    encoder = (async () => {
      const { Tiktoken } = await import('js-tiktoken/lite');
      const ranks =
        name === 'o200k_base'
          ? (await import('js-tiktoken/ranks/o200k_base')).default
          : (await import('js-tiktoken/ranks/cl100k_base')).default;
      return new Tiktoken(ranks);
    })();
    encoders.set(name, encoder);
  }
  return encoder;
}

export class TokenEstimator {
  constructor(readonly tokenizer: TokenizerName) {}

  static forModel(model: string, choice: TokenizerChoice = 'auto'): TokenEstimator {
    return new TokenEstimator(tokenizerForModel(model, choice));
  }

  /**
   * Loads the tokenizer now. Building the BPE ranks is seconds of synchronous work (2.3 s measured on a loaded
   * 2-vCPU machine): done on first use mid-traffic, it stalls every other call in the process for that long, and
   * their deadlines expire with their answers already received (found by the fault-injection suite).
   */
  async load(): Promise<void> {
    if (this.tokenizer !== 'heuristic') await loadEncoder(this.tokenizer);
  }

  async count(text: string): Promise<number> {
    if (text.length === 0) return 0;
    if (this.tokenizer === 'heuristic') return Math.ceil(text.length / HEURISTIC_CHARS_PER_TOKEN);
    // Special-token text in a note ("<|endoftext|>") is counted as plain text, as the API bills it.
    return (await loadEncoder(this.tokenizer)).encode(text, [], []).length;
  }

  /** Prompt tokens of a chat request: each message's content plus its framing; `extra` for e.g. a JSON schema. */
  async countPrompt(messages: readonly { content: string }[], extra = ''): Promise<number> {
    let total = REPLY_PRIMER_TOKENS + (await this.count(extra));
    for (const m of messages) total += TOKENS_PER_MESSAGE + (await this.count(m.content));
    return total;
  }
}
