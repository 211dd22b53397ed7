// Lint of the repository's Node scripts (tools/**/*.mjs, *.cjs): the workspace rules, plus the
// Node globals and module kinds the scripts actually run with. Types are checked by `nx typecheck tools`
// (tools/tsconfig.json), which is why no-undef stays off as for TypeScript.
import globals from 'globals';

import baseConfig from '../eslint.config.mjs';

export default [
  ...baseConfig,
  // ferretdb is a Go module; its build output and test servers' data never hold JavaScript to lint.
  { ignores: ['ferretdb/**', 'out-tsc/**'] },
  {
    files: ['**/*.mjs'],
    languageOptions: { sourceType: 'module', ecmaVersion: 2023, globals: { ...globals.node } },
  },
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', ecmaVersion: 2023, globals: { ...globals.node } },
    // CommonJS is what these files are (Jest reporters, healthchecks): require() is their import.
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['**/*.mjs', '**/*.cjs'],
    rules: {
      'no-var': 'error',
      'prefer-const': 'error',
      eqeqeq: ['error', 'smart'],
      'no-throw-literal': 'error',
      'no-unused-private-class-members': 'error',
    },
  },
];
