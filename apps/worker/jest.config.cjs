module.exports = {
  displayName: 'worker',
  preset: '../../jest.preset.cjs',
  globalSetup: '../../tools/jest/services-setup.mjs',
  globalTeardown: '../../tools/jest/services-teardown.mjs',
  testTimeout: 30000,
};
