import { Router, type RequestHandler, type Response } from 'express';
import { API_VERSION, ValidationError, type StreamEvent, type Task } from '@agent-orchestrator/domain';
import type { OpenStreamLimit, StreamTask } from '@agent-orchestrator/tasks';
import { rateLimitKey } from '../http/rate-limit.middleware';
import { presentTask } from './task.presenter';
import { principalOf } from '../http/request-context';

export const TASK_STREAM_PATH = '/v1/tasks/:task_id/stream';

/** Seconds a client refused for too many open streams is told to wait. */
const TOO_MANY_STREAMS_RETRY_AFTER_S = 5;

export interface TaskStreamRouteDeps {
  streamTask: StreamTask;
  /** Open streams per API key, else IP (STREAM_MAX_OPEN_PER_CLIENT). */
  openStreams: OpenStreamLimit;
  rateLimit: RequestHandler;
}

/** One Server-Sent Events message: `id`, `event` and the JSON `data` line (terminal events carry the task). */
export function sseMessage(event: StreamEvent, task: Task | null): string {
  const payload = {
    event: event.event,
    timestamp: event.timestamp.toISOString(),
    task_id: event.task_id,
    agent_name: event.agent_name,
    data: event.data,
    // The very body GET /v1/tasks/{task_id} answers.
    ...(task ? { task: { ...presentTask(task), api_version: API_VERSION } } : {}),
  };
  // JSON.stringify never emits a raw newline, so the payload is one `data:` line.
  return `id: ${event.seq}\nevent: ${event.event}\ndata: ${JSON.stringify(payload)}\n\n`;
}

/**
 * `GET /v1/tasks/:task_id/stream`: the task's live progress as Server-Sent Events (StreamTask does
 * the work). Errors before the first byte are the usual JSON errors; once the stream is open, the
 * client's disconnect frees the subscription, the heartbeat timer and its open-stream slot at once.
 */
export function taskStreamRoutes({ streamTask, openStreams, rateLimit }: TaskStreamRouteDeps): Router {
  const router = Router();
  router.get(TASK_STREAM_PATH, rateLimit, async (req, res) => {
    const unknown = Object.keys(req.query as Record<string, unknown>).filter((name) => name !== 'last_event_id');
    if (unknown.length > 0) throw new ValidationError('This endpoint takes only the last_event_id query parameter.', unknown.map((field) => ({ field, message: 'unknown query parameter' })));
    let release: () => void;
    try {
      release = openStreams.acquire(rateLimitKey(req, res));
    } catch (err) {
      res.setHeader('Retry-After', String(TOO_MANY_STREAMS_RETRY_AFTER_S));
      throw err;
    }
    let session;
    try {
      session = await streamTask.open({ tenant_id: principalOf(res).tenantId, task_id: req.params['task_id'], last_event_id_header: req.get('last-event-id'), last_event_id_query: req.query['last_event_id'] });
    } catch (err) {
      release();
      throw err;
    }
    const opened = session;
    const finish = (): void => {
      release();
      void opened.close();
    };
    res.on('close', finish);
    // The client may have gone while the stream was being opened (its 'close' came before the listener).
    if (res.destroyed || req.socket.destroyed) {
      finish();
      return;
    }
    res.status(200);
    res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    res.setHeader('Cache-Control', 'no-cache');
    res.setHeader('X-Accel-Buffering', 'no');
    // A first heartbeat at once: clients and proxies see a live stream before the first event.
    res.write(': ping\n\n');
    opened.start({
      event: (event, task) => write(res, sseMessage(event, task)),
      heartbeat: () => write(res, ': ping\n\n'),
      end: () => {
        finish();
        res.end();
      },
    });
  });
  return router;
}

function write(res: Response, chunk: string): void {
  if (!res.writableEnded && !res.destroyed) res.write(chunk);
}
