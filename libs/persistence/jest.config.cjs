module.exports = {
  displayName: 'persistence',
  preset: '../../jest.preset.cjs',
  testTimeout: 30000,
};
