module.exports = {
  displayName: 'tasks',
  preset: '../../jest.preset.cjs',
  testTimeout: 30000,
};
