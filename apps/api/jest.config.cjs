module.exports = {
  displayName: 'api',
  preset: '../../jest.preset.cjs',
  testTimeout: 30000,
  // Every response of an app built with createApp is held against the OpenAPI document it serves.
  setupFilesAfterEnv: ['<rootDir>/src/testing/contract/jest-setup.ts'],
};
