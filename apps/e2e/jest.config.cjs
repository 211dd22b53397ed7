module.exports = {
  displayName: 'e2e',
  preset: '../../jest.preset.cjs',
  globalSetup: '../../tools/jest/services-setup.mjs',
  globalTeardown: '../../tools/jest/services-teardown.mjs',
  testTimeout: 90000,
};
