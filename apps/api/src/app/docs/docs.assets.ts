/**
 * How the api serves each file of the docs page (`/docs/<name>`; the names are the contract's
 * DOCS_ASSET_NAMES). Only these: the rest of swagger-ui-dist (its petstore index.html and
 * initializer, source maps, other bundles) is never served.
 */
import { DOCS_ASSET_NAMES, type DocsAssetName } from '@agent-orchestrator/api-contract';

export type DocsAsset = { contentType: string } & ({ file: string } | { generated: 'initializer' });

export const DOCS_ASSETS = {
  'swagger-ui.css': { contentType: 'text/css; charset=utf-8', file: 'swagger-ui.css' },
  'index.css': { contentType: 'text/css; charset=utf-8', file: 'index.css' },
  'swagger-ui-bundle.js': { contentType: 'text/javascript; charset=utf-8', file: 'swagger-ui-bundle.js' },
  'favicon-32x32.png': { contentType: 'image/png', file: 'favicon-32x32.png' },
  'favicon-16x16.png': { contentType: 'image/png', file: 'favicon-16x16.png' },
  // Ours: starts Swagger UI on /v1/openapi.json. A file, not an inline script, so the page's CSP can forbid inline scripts.
  'docs-initializer.js': { contentType: 'text/javascript; charset=utf-8', generated: 'initializer' },
} as const satisfies Record<DocsAssetName, DocsAsset>;

export function isDocsAssetName(name: string): name is DocsAssetName {
  return (DOCS_ASSET_NAMES as readonly string[]).includes(name);
}
