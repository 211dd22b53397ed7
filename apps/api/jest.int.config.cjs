module.exports = {
  displayName: 'api:int',
  preset: '../../jest.int.preset.cjs',
  // The *.int.spec.ts files need MongoDB and Redis: the global setup provides MONGO_URI and REDIS_URL
  // (yours when set, else servers it starts for this run).
  globalSetup: '../../tools/jest/services-setup.mjs',
  globalTeardown: '../../tools/jest/services-teardown.mjs',
  testTimeout: 30000,
  // Every response of an app built with createApp is held against the OpenAPI document it serves.
  setupFilesAfterEnv: ['<rootDir>/src/testing/contract/jest-setup.ts'],
};
