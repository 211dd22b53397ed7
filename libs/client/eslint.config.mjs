import baseConfig from '../../eslint.config.mjs';

export default [
  ...baseConfig,
  // Written by openapi-typescript (scripts/generate-types.mjs); CI checks it matches the document.
  { ignores: ['src/generated/**'] },
];
