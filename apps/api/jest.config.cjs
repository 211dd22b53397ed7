module.exports = {
  displayName: 'api',
  preset: '../../jest.preset.cjs',
  // app.int.spec.ts needs MongoDB and Redis: the global setup starts them (or uses MONGO_URI / REDIS_URL).
  globalSetup: '../../tools/jest/services-setup.mjs',
  globalTeardown: '../../tools/jest/services-teardown.mjs',
  testTimeout: 30000,
  // Every response of an app built with createApp is held against the OpenAPI document it serves.
  setupFilesAfterEnv: ['<rootDir>/src/testing/contract/jest-setup.ts'],
};
