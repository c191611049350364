// Jest in native ESM mode (NestJS 12 is ESM-only); SWC strips types and emits decorator metadata,
// which Nest's constructor injection needs. Type checking is `npm run typecheck`.
const swc = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2022',
      // Keep `with { type: 'json' }` on JSON imports: Jest's ESM loader requires it.
      experimental: { keepImportAttributes: true },
    },
  },
];

export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: { '^.+\\.(t|j)s$': swc },
  transformIgnorePatterns: ['/node_modules/(?!cookie/)'],
  moduleNameMapper: {
    '^#schemas$': '<rootDir>/libs/schemas/src/index.ts',
    '^#platform$': '<rootDir>/libs/platform/src/index.ts',
    '^#database$': '<rootDir>/libs/database/src/index.ts',
    '^#clinical$': '<rootDir>/libs/clinical/src/index.ts',
    '^#validation$': '<rootDir>/libs/validation/src/index.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  testMatch: ['<rootDir>/apps/**/*.spec.ts', '<rootDir>/libs/**/*.spec.ts', '<rootDir>/test/**/*.test.ts'],
  // The fault-injection suite has its own config and npm script (jest.faults.config.js).
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/faults/'],
  globalSetup: '<rootDir>/test/support/global-setup.mjs',
  globalTeardown: '<rootDir>/test/support/global-teardown.mjs',
  testTimeout: 60000,
};
