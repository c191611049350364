export * from './call-id.js';
export * from './llm.config.js';
export * from './llm.errors.js';
export * from './llm-call.record.js';
export * from './llm-chat.client.js';
export * from './retry-policy.js';
export * from './token-estimator.js';
export * from './note-delimiter.js';
