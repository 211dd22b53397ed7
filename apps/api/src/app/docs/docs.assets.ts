/**
 * The files the docs page loads, by the name it serves them under
 * (`/docs/<name>`). Only these: the rest of swagger-ui-dist (its petstore
 * index.html and initializer, source maps, other bundles) is never served.
 */
export const DOCS_PATH = '/docs';

export type DocsAsset = { contentType: string } & ({ file: string } | { generated: 'initializer' });

export const DOCS_ASSETS = {
  'swagger-ui.css': { contentType: 'text/css; charset=utf-8', file: 'swagger-ui.css' },
  'index.css': { contentType: 'text/css; charset=utf-8', file: 'index.css' },
  'swagger-ui-bundle.js': { contentType: 'text/javascript; charset=utf-8', file: 'swagger-ui-bundle.js' },
  'favicon-32x32.png': { contentType: 'image/png', file: 'favicon-32x32.png' },
  'favicon-16x16.png': { contentType: 'image/png', file: 'favicon-16x16.png' },
  // Ours: starts Swagger UI on /v1/openapi.json. A file, not an inline script, so the page's CSP can forbid inline scripts.
  'docs-initializer.js': { contentType: 'text/javascript; charset=utf-8', generated: 'initializer' },
} as const satisfies Record<string, DocsAsset>;

export type DocsAssetName = keyof typeof DOCS_ASSETS;

export function isDocsAssetName(name: string): name is DocsAssetName {
  return Object.prototype.hasOwnProperty.call(DOCS_ASSETS, name);
}
