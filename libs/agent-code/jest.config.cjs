module.exports = {
  displayName: 'agent-code',
  preset: '../../jest.preset.cjs',
};
