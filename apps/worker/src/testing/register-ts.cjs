// Lets a child Node process run this repo's TypeScript sources directly, the way Jest does (swc, CommonJS):
//   node --conditions=@agent-orchestrator/source -r ./register-ts.cjs some-script.ts
// The condition makes workspace packages resolve to their src/index.ts. For test fixtures only.
const { readFileSync } = require('node:fs');
const Module = require('node:module');
const { transformSync } = require('@swc/core');

Module._extensions['.ts'] = function compileTs(module, filename) {
  const { code } = transformSync(readFileSync(filename, 'utf8'), {
    filename,
    jsc: { parser: { syntax: 'typescript', decorators: true }, transform: { legacyDecorator: true, decoratorMetadata: true }, target: 'es2022' },
    module: { type: 'commonjs' },
    sourceMaps: 'inline',
  });
  module._compile(code, filename);
};
