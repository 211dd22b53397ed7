module.exports = {
  displayName: 'agent-content',
  preset: '../../jest.preset.cjs',
};
