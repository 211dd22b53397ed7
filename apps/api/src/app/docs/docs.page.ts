/**
 * The docs page: Swagger UI from swagger-ui-dist, served by the API itself so
 * it works offline and behind firewalls, with no CDN and no inline script.
 */
import { DOCS_PATH, OPENAPI_PATH } from '@agent-orchestrator/api-contract';

export const DOCS_PAGE_TITLE = 'Agent Orchestrator API';

export const DOCS_HTML = `<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>${DOCS_PAGE_TITLE}</title>
    <link rel="stylesheet" href="${DOCS_PATH}/swagger-ui.css">
    <link rel="stylesheet" href="${DOCS_PATH}/index.css">
    <link rel="icon" type="image/png" href="${DOCS_PATH}/favicon-32x32.png" sizes="32x32">
    <link rel="icon" type="image/png" href="${DOCS_PATH}/favicon-16x16.png" sizes="16x16">
  </head>
  <body>
    <noscript>This page needs JavaScript. The OpenAPI document itself is at <a href="${OPENAPI_PATH}">${OPENAPI_PATH}</a>.</noscript>
    <div id="swagger-ui"></div>
    <script src="${DOCS_PATH}/swagger-ui-bundle.js"></script>
    <script src="${DOCS_PATH}/docs-initializer.js"></script>
  </body>
</html>
`;

/** Runs in the browser after swagger-ui-bundle.js. */
export const DOCS_INITIALIZER_JS = `// Starts Swagger UI on this API's OpenAPI document (served by the API: GET ${DOCS_PATH}/docs-initializer.js).
window.ui = SwaggerUIBundle({
  url: ${JSON.stringify(OPENAPI_PATH)},
  dom_id: '#swagger-ui',
  presets: [SwaggerUIBundle.presets.apis],
  layout: 'BaseLayout',
  deepLinking: true,
  docExpansion: 'list',
  defaultModelsExpandDepth: 0,
  displayRequestDuration: true,
  // The default sends the document to validator.swagger.io; nothing may leave the page.
  validatorUrl: null,
});
`;

/**
 * The page's Content-Security-Policy, instead of helmet's default: scripts only
 * from the API (no inline, no eval); inline styles, which Swagger UI's React
 * components set; images inline (data:) or from the API; requests only to the
 * API (the document, "Try it out"). No upgrade-insecure-requests: the docs must
 * also work on plain HTTP (local, inside a VPC), where it would break every asset.
 */
export const DOCS_CSP_DIRECTIVES = {
  defaultSrc: ["'none'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'", "'unsafe-inline'"],
  imgSrc: ["'self'", 'data:'],
  fontSrc: ["'self'", 'data:'],
  connectSrc: ["'self'"],
  baseUri: ["'none'"],
  formAction: ["'none'"],
  frameAncestors: ["'none'"],
  objectSrc: ["'none'"],
};
