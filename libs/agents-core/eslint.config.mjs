import globals from 'globals';

import baseConfig from '../../eslint.config.mjs';

export default [
  ...baseConfig,
  { ignores: ['generators/**/files/**', 'out-tsc/**'] },
  {
    // The Nx generator is CommonJS, loaded by Nx with require() and no transpiler.
    files: ['generators/**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', ecmaVersion: 2023, globals: { ...globals.node } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
];
