import { Router, type RequestHandler } from 'express';
import { API_VERSION, type WebhookAttempt, type WebhookDelivery } from '@agent-orchestrator/domain';
import type { GetTaskWebhooks } from '@agent-orchestrator/tasks';
import { noQueryParams } from '../http/no-query-params';
import { principalOf } from '../http/request-context';

export const TASK_WEBHOOKS_PATH = '/v1/tasks/:task_id/webhooks';

export interface TaskWebhooksRouteDeps {
  taskWebhooks: GetTaskWebhooks;
  rateLimit: RequestHandler;
}

const iso = (d: Date | null): string | null => (d === null || Number.isNaN(d.getTime()) ? null : d.toISOString());

export function presentWebhookAttempt(a: WebhookAttempt) {
  return { at: iso(a.at), status_code: a.status_code, duration_ms: a.duration_ms, error: a.error, response_prefix: a.response_prefix };
}

/** A delivery as JSON, field by field; its body (the task, as GET /v1/tasks/{task_id} shows it) is left out. */
export function presentWebhookDelivery(d: WebhookDelivery) {
  return {
    webhook_id: d.webhook_id,
    event: d.event,
    url: d.url,
    state: d.state,
    created_at: iso(d.created_at),
    updated_at: iso(d.updated_at),
    next_attempt_at: iso(d.next_attempt_at),
    attempts: d.attempts.map(presentWebhookAttempt),
  };
}

/**
 * `GET /v1/tasks/:task_id/webhooks`: the task's webhook deliveries (one per ending announced to its
 * callback URL), oldest first, each with every attempt made. Same path to the task as its events.
 */
export function taskWebhooksRoutes({ taskWebhooks, rateLimit }: TaskWebhooksRouteDeps): Router {
  const router = Router();
  router.get(TASK_WEBHOOKS_PATH, rateLimit, noQueryParams(), async (req, res) => {
    const { task_id, deliveries } = await taskWebhooks.execute(req.params['task_id'], principalOf(res).tenantId);
    res.json({ task_id, deliveries: deliveries.map(presentWebhookDelivery), api_version: API_VERSION });
  });
  return router;
}
