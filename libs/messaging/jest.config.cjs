module.exports = {
  displayName: 'messaging',
  preset: '../../jest.preset.cjs',
  testTimeout: 30000,
};
