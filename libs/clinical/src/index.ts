export * from './text/compact-text.util.js';
export * from './text/bounded-memo.util.js';
export * from './units/dose-unit.normaliser.js';
export * from './dose/dose.parser.js';
export * from './frequency/frequency.normaliser.js';
export * from './frequency/frequency-facts.js';
export * from './route/route.normaliser.js';
export * from './knowledge/drug.knowledge.js';
export type { DrugEntry, DoseRange, KnowledgeDoseUnit } from './knowledge/drugs.data.js';
