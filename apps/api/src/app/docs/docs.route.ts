import { dirname } from 'node:path';
import { Router } from 'express';
import helmet from 'helmet';
import { NotFoundError } from '@agent-orchestrator/domain';
import { DOCS_PATH } from '@agent-orchestrator/api-contract';
import { noQueryParams } from '../http/no-query-params';
import { DOCS_ASSETS, isDocsAssetName } from './docs.assets';
import { DOCS_CSP_DIRECTIVES, DOCS_HTML, DOCS_INITIALIZER_JS } from './docs.page';

/** How long browsers may reuse an asset without asking; they revalidate with ETag / Last-Modified after. */
const ASSET_MAX_AGE_MS = 3600_000;

/**
 * swagger-ui-dist's folder (what its `getAbsoluteFSPath()` returns), found from
 * its package.json: requiring the package itself would load its 1.7 MB browser
 * bundle into the API process for nothing.
 */
export function swaggerUiDistPath(): string {
  return dirname(require.resolve('swagger-ui-dist/package.json'));
}

/**
 * `GET /docs`: the OpenAPI document as a web page (Swagger UI), and
 * `GET /docs/:asset`: the few files it loads (DOCS_ASSETS). Public and not
 * rate limited, like the document itself: mounted above the /v1 auth line.
 */
export function docsRoutes(): Router {
  const router = Router();
  const root = swaggerUiDistPath();
  const csp = helmet.contentSecurityPolicy({ useDefaults: false, directives: DOCS_CSP_DIRECTIVES });

  router.get(DOCS_PATH, noQueryParams(), csp, (_req, res) => {
    res.setHeader('Cache-Control', 'no-cache');
    res.type('html').send(DOCS_HTML);
  });

  router.get(`${DOCS_PATH}/:asset`, (req, res) => {
    const name = req.params['asset'] ?? '';
    if (!isDocsAssetName(name)) throw new NotFoundError('No such file of the docs page.');
    const asset = DOCS_ASSETS[name];
    res.setHeader('Content-Type', asset.contentType);
    if ('generated' in asset) {
      res.setHeader('Cache-Control', `public, max-age=${ASSET_MAX_AGE_MS / 1000}`);
      res.send(DOCS_INITIALIZER_JS);
      return;
    }
    // No byte ranges: the files are small, and a 206 / 416 is one more answer to document. Errors (a
    // file missing from the package) go to the error handler.
    res.sendFile(asset.file, { root, maxAge: ASSET_MAX_AGE_MS, dotfiles: 'deny', acceptRanges: false });
  });
  return router;
}
