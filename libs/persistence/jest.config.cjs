module.exports = {
  displayName: 'persistence',
  preset: '../../jest.preset.cjs',
  // Integration specs (*.int.spec.ts) need a MongoDB-compatible server: the
  // globalSetup uses MONGO_URI when set, else starts one (tools/services).
  globalSetup: '../../tools/jest/services-setup.mjs',
  globalTeardown: '../../tools/jest/services-teardown.mjs',
  testTimeout: 30000,
};
