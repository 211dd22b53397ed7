// GET /metrics in the OpenAPI document: kept here so the document module only names it.
import { ErrorType } from '@agent-orchestrator/domain';
import { ref } from './openapi.builders';
import type { PathItemObject, ResponseObject, SecuritySchemeObject } from './openapi.types';

const headers = { 'X-Request-Id': { $ref: '#/components/headers/XRequestId' } };

function metricsError(type: ErrorType, description: string, extra: ResponseObject['headers'] = {}): ResponseObject {
  return {
    description,
    headers: { ...headers, ...extra },
    content: {
      'application/json': {
        schema: { allOf: [ref('Error'), { type: 'object', properties: { error: { type: 'object', properties: { type: { const: type } } } } }] },
      },
    },
  };
}

/** Only when METRICS_TOKEN is set. */
export const METRICS_SECURITY_SCHEME: SecuritySchemeObject = {
  type: 'http',
  scheme: 'bearer',
  description: 'Only when the deployment sets METRICS_TOKEN (otherwise /metrics is open): `Authorization: Bearer <METRICS_TOKEN>`. Not an API key.',
};

/** The path item of `GET /metrics`; the bearer token (and its 401) only when the deployment sets METRICS_TOKEN. */
export const metricsPathItem = (token: boolean): PathItemObject => ({
  get: {
    operationId: 'getPrometheusMetrics',
    tags: ['Health'],
    summary: 'Prometheus metrics',
    description:
      "This API process's metrics in the Prometheus text exposition format (version 0.0.4): `http_requests_total` and `http_request_duration_seconds` " +
      'by method, route template and status, and the standard process metrics, each with a `service` label. Each API process answers for itself: scrape every one. ' +
      'Not rate limited and no API key; needs `Authorization: Bearer <METRICS_TOKEN>` when the deployment sets METRICS_TOKEN. Scrapes are not counted in the HTTP metrics. ' +
      'See docs/observability.md for every metric.',
    security: token ? [{ metricsToken: [] }] : [],
    responses: {
      '200': {
        description: 'The metrics.',
        headers: { ...headers, 'Cache-Control': { $ref: '#/components/headers/NoStore' } },
        content: { 'text/plain': { schema: { type: 'string' } } },
      },
      ...(token
        ? {
            '401': metricsError(ErrorType.UNAUTHORIZED, 'The bearer token is missing or wrong.', {
              'WWW-Authenticate': {
                description: '`Bearer realm="agent-orchestrator-metrics"`.',
                required: true,
                schema: { const: 'Bearer realm="agent-orchestrator-metrics"' },
              },
            }),
          }
        : {}),
      '404': metricsError(ErrorType.NOT_FOUND, 'Metrics are turned off (METRICS_ENABLED=false).'),
      '500': { $ref: '#/components/responses/InternalError' },
    },
  },
});
