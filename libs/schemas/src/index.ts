export * from './contract-validator.js';
export * from './extraction/clinical-extraction.schema.js';
export * from './topics/topics.js';
export * from './topics/notes-submitted/notes-submitted.message.js';
export * from './topics/extractions-raw/extractions-raw.message.js';
export * from './topics/extractions-validated/extractions-validated.message.js';
export * from './topics/cost-events/cost-events.message.js';
export * from './topics/dead-letter/dead-letter.message.js';
