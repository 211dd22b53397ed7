module.exports = {
  displayName: 'infra',
  preset: '../jest.preset.cjs',
  // Synthesizing a stack takes a few seconds on a small machine.
  testTimeout: 60_000,
};
