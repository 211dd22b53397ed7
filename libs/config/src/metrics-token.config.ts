/** `METRICS_TOKEN`, read the same way by the api (`GET /metrics`) and the worker (its metrics listener). */
import type { EnvReader } from './env-reader';

/** Shortest accepted token: the same bar as an API key secret. */
export const METRICS_TOKEN_MIN_LENGTH = 16;
/** Visible ASCII without spaces: what fits an `Authorization: Bearer` header unchanged. */
const VISIBLE_ASCII = /^[\x21-\x7e]+$/;

/**
 * `METRICS_TOKEN`: optional (unset: the metrics endpoints are open, which suits development; deployed
 * stacks keep them off the load balancer and inside the VPC). When set, at least 16 visible ASCII
 * characters, and scrapes must send `Authorization: Bearer <token>`. Never echoed in problems.
 */
export function metricsToken(r: EnvReader): string | undefined {
  const token = r.raw('METRICS_TOKEN');
  if (token !== undefined && (token.length < METRICS_TOKEN_MIN_LENGTH || !VISIBLE_ASCII.test(token))) {
    r.problems.push({
      field: 'METRICS_TOKEN',
      message: `METRICS_TOKEN must be at least ${METRICS_TOKEN_MIN_LENGTH} visible ASCII characters without spaces (e.g. openssl rand -hex 32)`,
    });
    return undefined;
  }
  return token;
}
