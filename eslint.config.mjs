import nx from '@nx/eslint-plugin';

// Module boundaries are errors, not advice: see CONTRIBUTING.md for the layer rules.
export const agentConfig = [
  {
    // Agents produce text and never run it: no dynamic evaluation, no way to spawn code.
    // (bannedExternalImports does not see Node built-ins, hence this rule.) Every agent lib's
    // eslint.config.mjs spreads it: `export default [...baseConfig, ...agentConfig];`
    files: ['**/*.ts'],
    rules: {
      'no-eval': 'error',
      'no-implied-eval': 'error',
      'no-new-func': 'error',
      'no-restricted-imports': [
        'error',
        {
          paths: ['child_process', 'node:child_process', 'vm', 'node:vm', 'worker_threads', 'node:worker_threads', 'cluster', 'node:cluster'].map((name) => ({
            name,
            message: 'Agents never execute code.',
          })),
        },
      ],
    },
  }
];

/**
 * Apps are composition: Bull and ioredis are used through `@agent-orchestrator/messaging`, mongoose and
 * the MongoDB driver through `@agent-orchestrator/persistence` (and their `./testing` kits in specs).
 * apps/e2e keeps the MongoDB driver: it reads what the real processes stored, around their code.
 * Tested by libs/messaging/src/apps-import-ban.spec.ts.
 */
export const APP_BANNED_IMPORTS = ['bull', 'ioredis', 'mongoose', 'mongodb'];
const appImportBan = (modules) => ({
  'no-restricted-imports': [
    'error',
    {
      paths: modules.map((name) => ({
        name,
        message: `Apps do not import ${name}: use @agent-orchestrator/${name === 'bull' || name === 'ioredis' ? 'messaging' : 'persistence'} (or its ./testing kit in specs).`,
      })),
      patterns: [{ group: modules.map((name) => `${name}/*`), message: 'Apps do not import Bull, ioredis, mongoose or the MongoDB driver: use the messaging and persistence libs.' }],
    },
  ],
});

export default [
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  ...nx.configs['flat/javascript'],
  { ignores: ['**/dist', '**/out-tsc', '**/node_modules', '**/.nx', '**/coverage'] },
  {
    files: ['**/*.ts', '**/*.js', '**/*.mjs', '**/*.cjs'],
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: true,
          banTransitiveDependencies: true,
          allow: ['^.*/eslint(\\.base)?\\.config\\.[cm]?[jt]s$'],
          depConstraints: [
            { sourceTag: 'type:lib', onlyDependOnLibsWithTags: ['type:lib'] },
            { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:lib'] },
            { sourceTag: 'type:e2e', onlyDependOnLibsWithTags: ['type:lib'] },
            // tools/ runs against the built apps and libraries (benchmarks, chaos runs); nothing depends on it.
            { sourceTag: 'type:tooling', onlyDependOnLibsWithTags: ['*'] },
            { sourceTag: 'layer:domain', onlyDependOnLibsWithTags: [] },
            { sourceTag: 'layer:persistence', onlyDependOnLibsWithTags: ['layer:domain'] },
            { sourceTag: 'layer:agents-core', onlyDependOnLibsWithTags: ['layer:domain'] },
            { sourceTag: 'layer:agent', onlyDependOnLibsWithTags: ['layer:agents-core', 'layer:domain'] },
            { sourceTag: 'layer:router', onlyDependOnLibsWithTags: ['layer:agents-core', 'layer:domain'] },
            // The HTTP contract (libs/api-contract): the OpenAPI document and its constants, for the api and its clients.
            { sourceTag: 'layer:contract', onlyDependOnLibsWithTags: ['layer:domain'] },
            // The typed client (libs/client), published for browsers and Node: nothing of ours, and no package at
            // run time (its package.json has no dependencies; its tsconfig.lib.json has no Node types).
            { sourceTag: 'layer:client', onlyDependOnLibsWithTags: [] },
            // Shared process wiring, split by what it is. config may use observability (its boot step
            // creates the logger); observability and messaging never import config (they take values).
            // messaging holds the Redis/Bull adapters of the application layer's ports.
            { sourceTag: 'layer:observability', onlyDependOnLibsWithTags: ['layer:domain'] },
            { sourceTag: 'layer:messaging', onlyDependOnLibsWithTags: ['layer:domain', 'layer:application'] },
            { sourceTag: 'layer:config', onlyDependOnLibsWithTags: ['layer:observability', 'layer:domain'] },
            // The application layer (libs/tasks): use cases over ports; the adapters (Bull, mongoose, Express) stay outside.
            { sourceTag: 'layer:application', onlyDependOnLibsWithTags: ['layer:domain', 'layer:persistence', 'layer:agents-core', 'layer:router'] },
            {
              sourceTag: 'layer:application',
              bannedExternalImports: ['mongoose', 'mongodb', 'bull', 'ioredis', 'express', 'winston', 'prom-client'],
            },
            {
              sourceTag: 'layer:domain',
              bannedExternalImports: ['mongoose', 'mongodb', 'bull', 'ioredis', 'express', '@langchain/*', 'openai', '@tavily/*', 'winston'],
            },
            {
              sourceTag: 'layer:agent',
              bannedExternalImports: ['mongoose', 'mongodb', 'bull', 'ioredis', 'express'],
            },
            {
              sourceTag: 'layer:contract',
              bannedExternalImports: ['mongoose', 'mongodb', 'bull', 'ioredis', 'express', 'winston'],
            },
            {
              sourceTag: 'layer:router',
              bannedExternalImports: ['mongoose', 'mongodb', 'bull', 'ioredis', 'express'],
            },
            {
              sourceTag: 'layer:agents-core',
              bannedExternalImports: ['mongoose', 'mongodb', 'bull', 'ioredis', 'express'],
            },
            // Bull and ioredis live in messaging, mongoose and the MongoDB driver in persistence.
            {
              sourceTag: 'layer:persistence',
              bannedExternalImports: ['bull', 'ioredis', 'express'],
            },
            {
              sourceTag: 'layer:messaging',
              bannedExternalImports: ['mongoose', 'mongodb', 'express'],
            },
            {
              sourceTag: 'layer:observability',
              bannedExternalImports: ['mongoose', 'mongodb', 'bull', 'ioredis', 'express'],
            },
            {
              sourceTag: 'layer:config',
              bannedExternalImports: ['mongoose', 'mongodb', 'bull', 'ioredis', 'express'],
            },
          ],
        },
      ],
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Absolute, so the pattern means the repository's apps/ whichever project config spreads this one.
    basePath: import.meta.dirname,
    files: ['apps/**/*.{ts,js,mjs,cjs}'],
    rules: appImportBan(APP_BANNED_IMPORTS),
  },
  {
    basePath: import.meta.dirname,
    files: ['apps/e2e/**/*.{ts,js,mjs,cjs}'],
    rules: appImportBan(APP_BANNED_IMPORTS.filter((name) => name !== 'mongodb')),
  },
  {
    files: ['**/*.spec.ts', '**/testing/**/*.ts'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off' },
  },
  {
    files: ['**/*.json'],
    rules: {
      '@nx/dependency-checks': [
        'error',
        { ignoredFiles: ['{projectRoot}/eslint.config.{js,cjs,mjs}', '{projectRoot}/jest.config.cjs', '{projectRoot}/**/*.spec.ts', '{projectRoot}/src/testing/**/*'], checkObsoleteDependencies: false },
      ],
    },
    languageOptions: { parser: await import('jsonc-eslint-parser') },
  },
];
