// The fault-injection suite (`npm run test:faults`): each scenario starts its own broker, database and service
// processes, so there is no global setup; scenarios run one at a time.
import base from './jest.config.js';

export default {
  ...base,
  testMatch: ['<rootDir>/test/faults/**/*.fault.test.ts'],
  testPathIgnorePatterns: ['/node_modules/'],
  globalSetup: undefined,
  globalTeardown: undefined,
  testTimeout: 300_000,
};
