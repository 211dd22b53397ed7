module.exports = {
  displayName: 'tasks',
  preset: '../../jest.preset.cjs',
};
