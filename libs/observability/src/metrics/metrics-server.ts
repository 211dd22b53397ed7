import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { METRICS_PATH } from '@agent-orchestrator/domain';
import { METRICS_REALM, METRICS_TOKEN_MESSAGE, metricsTokenCheck } from './metrics-auth';
import { exposition } from './metrics-registry';

export { METRICS_PATH };

export interface MetricsServer {
  /** The port actually bound (useful with port 0). */
  readonly port: number;
  readonly host: string;
  close(): Promise<void>;
}

function sendJson(res: import('node:http').ServerResponse, status: number, type: string, message: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers });
  res.end(JSON.stringify({ error: { type, message } }));
}

/**
 * A bare `node:http` listener for processes without an HTTP API (the worker):
 * `GET /metrics` answers the registry's Prometheus exposition, anything else a
 * JSON 404 (405 for another method on /metrics). Meant for a private port that
 * only the scraper reaches; with `token` (METRICS_TOKEN) a scrape must also send
 * `Authorization: Bearer <token>`, else 401.
 */
export async function startMetricsServer(options: { registry: Registry; port: number; host: string; token?: string }): Promise<MetricsServer> {
  const authorized = options.token === undefined ? () => true : metricsTokenCheck(options.token);
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== METRICS_PATH) return sendJson(res, 404, 'NOT_FOUND', `No such path; metrics are at ${METRICS_PATH}.`);
    if (req.method !== 'GET' && req.method !== 'HEAD') return sendJson(res, 405, 'METHOD_NOT_ALLOWED', 'Use GET.', { allow: 'GET, HEAD' });
    if (!authorized(req.headers.authorization)) return sendJson(res, 401, 'UNAUTHORIZED', METRICS_TOKEN_MESSAGE, { 'www-authenticate': METRICS_REALM });
    exposition(options.registry).then(
      ({ contentType, body }) => {
        res.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-store' });
        res.end(req.method === 'HEAD' ? undefined : body);
      },
      (err: unknown) => sendJson(res, 500, 'INTERNAL_ERROR', `Could not collect the metrics: ${err instanceof Error ? err.message : String(err)}`),
    );
  });
  // A scraper keeps its connection alive; do not let that hold up a shutdown.
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  return {
    port: address.port,
    host: options.host,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
