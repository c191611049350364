import { COST_EVENTS_TOPIC } from './cost-events/cost-events.message.js';
import { DEAD_LETTER_TOPIC } from './dead-letter/dead-letter.message.js';
import { EXTRACTIONS_RAW_TOPIC } from './extractions-raw/extractions-raw.message.js';
import { EXTRACTIONS_VALIDATED_TOPIC } from './extractions-validated/extractions-validated.message.js';
import { NOTES_SUBMITTED_TOPIC } from './notes-submitted/notes-submitted.message.js';

export const ALL_TOPICS = [
  NOTES_SUBMITTED_TOPIC,
  EXTRACTIONS_RAW_TOPIC,
  EXTRACTIONS_VALIDATED_TOPIC,
  COST_EVENTS_TOPIC,
  DEAD_LETTER_TOPIC,
] as const;
export type TopicName = (typeof ALL_TOPICS)[number];
