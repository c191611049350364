import { Type } from '@sinclair/typebox';
import { delimitNote, NOTE_IS_DATA, type ChatMessage } from '#platform';
import { compileContract } from '#schemas';
import type { NameMention, ReversalAnswer, ReversalQuestion } from '#validation';

/**
 * The reversal probe asked of an LLM: "which medication mention does this dose (or frequency) belong to?", for every
 * question at once, answered from the note and not from the extraction. Its answers go to the same `judgeReversal`
 * as the span answerer's. Questions name each text by its characters and offsets so repeated words are unambiguous.
 */

export const ProbeAnswerSchema = Type.Object(
  {
    answers: Type.Array(
      Type.Object(
        {
          question: Type.Integer({ description: 'the question number' }),
          mention: Type.Union([Type.Integer(), Type.Null()], {
            description: 'the medication mention number it belongs to, or null when none or unclear',
          }),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

const checkAnswer = compileContract(ProbeAnswerSchema);

const SYSTEM = `You check which medication each dose and frequency in a clinical note belongs to.

${NOTE_IS_DATA}

You get the note, a numbered list of medication mentions in it (M0, M1...) and numbered questions (Q0, Q1...), each about a piece of text at given character offsets in the note. For each question, read the note and decide which medication mention that text is the dose or frequency of. Judge from the note alone. Answer with only a JSON object: {"answers":[{"question":<question number>,"mention":<mention number, or null when it belongs to none of them or you cannot tell>}]}, one answer per question.`;

export function buildProbeMessages(
  noteText: string,
  mentions: readonly NameMention[],
  questions: readonly ReversalQuestion[],
): ChatMessage[] {
  const mentionLines = mentions.map(
    (m, i) => `M${i}: ${JSON.stringify(m.span.text)} at characters ${m.span.start}-${m.span.end}`,
  );
  const questionLines = questions.map(
    (q, i) =>
      `Q${i}: the ${q.attribute} text ${JSON.stringify(q.span.text)} at characters ${q.span.start}-${q.span.end}`,
  );
  return [
    { role: 'system', content: SYSTEM },
    {
      role: 'user',
      content: `${delimitNote(noteText)}\n\nMedication mentions:\n${mentionLines.join('\n')}\n\nQuestions:\n${questionLines.join('\n')}`,
    },
  ];
}

/** The answers in question order (null where the model gave none or an unknown mention); null if unusable. */
export function parseProbeAnswers(
  content: string,
  questions: readonly ReversalQuestion[],
  mentions: readonly NameMention[],
): ReversalAnswer[] | null {
  const start = content.indexOf('{');
  const end = content.lastIndexOf('}');
  if (start < 0 || end <= start) return null;
  let value: unknown;
  try {
    value = JSON.parse(content.slice(start, end + 1));
  } catch {
    return null;
  }
  const checked = checkAnswer(value);
  if (!checked.ok) return null;
  const byQuestion = new Map<number, number | null>();
  for (const a of checked.value.answers) if (!byQuestion.has(a.question)) byQuestion.set(a.question, a.mention);
  return questions.map((_, i) => {
    const m = byQuestion.get(i);
    return m === undefined || m === null ? null : (mentions[m]?.owners ?? null);
  });
}

/** The output schema as plain JSON, for response_format. */
export const probeJsonSchema = (): Record<string, unknown> =>
  JSON.parse(JSON.stringify(ProbeAnswerSchema)) as Record<string, unknown>;
