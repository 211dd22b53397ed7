module.exports = {
  displayName: 'agent-test',
  preset: '../../jest.preset.cjs',
};
