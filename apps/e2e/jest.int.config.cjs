module.exports = {
  displayName: 'e2e:int',
  preset: '../../jest.int.preset.cjs',
  // The *.e2e.spec.ts files need MongoDB and Redis: the global setup provides MONGO_URI and REDIS_URL
  // (yours when set, else servers it starts for this run).
  globalSetup: '../../tools/jest/services-setup.mjs',
  globalTeardown: '../../tools/jest/services-teardown.mjs',
  testTimeout: 90000,
};
