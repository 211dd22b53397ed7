module.exports = {
  displayName: 'platform',
  preset: '../../jest.preset.cjs',
  // worker-registry.int.spec.ts needs Redis: the global setup starts one (or uses REDIS_URL).
  globalSetup: '../../tools/jest/services-setup.mjs',
  globalTeardown: '../../tools/jest/services-teardown.mjs',
  testTimeout: 30000,
};
