import { createHash, timingSafeEqual } from 'node:crypto';

/** The `WWW-Authenticate` challenge of a refused scrape (api and worker alike). */
export const METRICS_REALM = 'Bearer realm="agent-orchestrator-metrics"';
export const METRICS_TOKEN_MESSAGE = 'This endpoint needs the metrics token: send "Authorization: Bearer <METRICS_TOKEN>".';

const BEARER = /^Bearer +([^\s]+) *$/i;
const digest = (value: string): Buffer => createHash('sha256').update(value, 'utf8').digest();

/**
 * A check of `Authorization` headers against METRICS_TOKEN: true only for `Bearer <token>`.
 * Both sides are hashed before a constant-time comparison, so neither content nor length leaks.
 */
export function metricsTokenCheck(token: string): (authorization: string | undefined) => boolean {
  const expected = digest(token);
  return (authorization) => {
    const presented = BEARER.exec(authorization ?? '')?.[1];
    return presented !== undefined && timingSafeEqual(digest(presented), expected);
  };
}
