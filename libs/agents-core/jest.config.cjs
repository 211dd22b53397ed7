module.exports = {
  displayName: 'agents-core',
  preset: '../../jest.preset.cjs',
};
