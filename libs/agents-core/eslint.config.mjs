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
  {
    // The generator runs inside `nx g`, where @nx/devkit is always present; declaring it (even as an
    // optional peer) would pull Nx into every production install of the worker.
    files: ['**/*.json'],
    rules: {
      '@nx/dependency-checks': [
        'error',
        {
          ignoredFiles: [
            '{projectRoot}/eslint.config.{js,cjs,mjs}',
            '{projectRoot}/jest.config.cjs',
            '{projectRoot}/**/*.spec.ts',
            '{projectRoot}/src/testing/**/*',
            '{projectRoot}/generators/**/*',
          ],
          checkObsoleteDependencies: false,
        },
      ],
    },
  },
];
