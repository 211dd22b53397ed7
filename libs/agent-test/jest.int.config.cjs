module.exports = {
  displayName: 'agent-test:int',
  preset: '../../jest.int.preset.cjs',
  // The *.int.spec.ts files start their own stub servers (no MongoDB or Redis).
};
