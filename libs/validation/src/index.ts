export * from './extraction-validator.js';
export * from './checks/validation-flag.js';
export {
  buildReversalQuestions,
  judgeReversal,
  type ReversalAnswer,
  type ReversalAnswerer,
  type ReversalAttribute,
  type ReversalQuestion,
} from './checks/reversal.probe.js';
export { isWithinPointer } from './json-pointer.js';
export { lexiconSource, type LexiconSource } from './lexicon/drug-lexicon.js';
