import { Router } from 'express';
import { noQueryParams } from '../http/no-query-params';
import { OPENAPI_PATH, type OpenApiDocument } from '@agent-orchestrator/api-contract';

/** `GET /v1/openapi.json`: the document. Public and not rate limited: mounted above the /v1 auth line. */
export function openApiRoutes(document: OpenApiDocument): Router {
  const router = Router();
  const body = JSON.stringify(document);
  router.get(OPENAPI_PATH, noQueryParams(), (_req, res) => {
    // Revalidated on each use (ETag), so a deploy that changes the API is seen at once.
    res.setHeader('Cache-Control', 'no-cache');
    res.type('application/json').send(body);
  });
  return router;
}
