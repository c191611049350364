import { checkLlmOutput, type LlmOutput } from './llm-output.schema.js';

export type ParsedAnswer =
  { ok: true; value: LlmOutput } | { ok: false; kind: 'truncated' | 'malformed' | 'off_contract'; problem: string };

const MAX_LISTED_ERRORS = 10;

/** The JSON object in an answer: code fences and text around it are tolerated (plain-JSON endpoints add them). */
function jsonText(content: string): string {
  const fenced = /```(?:json)?\s*([\s\S]*?)```/i.exec(content);
  const body = fenced ? fenced[1]! : content;
  const start = body.indexOf('{');
  const end = body.lastIndexOf('}');
  return start >= 0 && end > start ? body.slice(start, end + 1) : body.trim();
}

/**
 * Parses and validates a model answer. `problem` describes what is wrong by position and JSON path only, never by
 * value, so it can be logged and sent back in the repair prompt.
 */
export function parseAnswer(content: string, finishReason: string | null): ParsedAnswer {
  const truncated = finishReason === 'length';
  let value: unknown;
  try {
    value = JSON.parse(jsonText(content));
  } catch (error) {
    const where = error instanceof SyntaxError ? error.message.replace(/^.*?(at position \d+|$).*$/s, '$1') : '';
    return truncated
      ? { ok: false, kind: 'truncated', problem: 'the JSON was cut off before it ended' }
      : { ok: false, kind: 'malformed', problem: `it is not valid JSON${where ? ` (${where})` : ''}` };
  }
  const checked = checkLlmOutput(value);
  if (!checked.ok) {
    const listed = checked.errors
      .slice(0, MAX_LISTED_ERRORS)
      .map((e) => `${e.path} ${e.message}`)
      .join('; ');
    const more =
      checked.errors.length > MAX_LISTED_ERRORS ? ` and ${checked.errors.length - MAX_LISTED_ERRORS} more` : '';
    return { ok: false, kind: 'off_contract', problem: `it does not follow the required format: ${listed}${more}` };
  }
  return { ok: true, value: checked.value };
}
