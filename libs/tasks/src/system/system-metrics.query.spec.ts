import type { TaskDayStats, UsageDayStats } from '@agent-orchestrator/persistence';
import type { QueueCounts } from '../ports/task-queue.port';
import type { LiveWorker } from '../ports/worker-directory.port';
import { GetSystemMetrics, type SystemMetricsDeps } from './system-metrics.query';

const NOW = new Date('2030-01-02T15:00:00.000Z');
const logger = { warn: jest.fn() };

const stats: TaskDayStats = {
  day_start: new Date('2030-01-02T00:00:00.000Z'),
  created_by_status: { queued: 1, processing: 2, completed: 3, failed: 4, cancelled: 0 },
  created_by_agent: [{ agent_name: 'CodeAgent', agent_type: 'code', count: 5 }],
  latency_ms: { count: 3, sum: 1000, p95: 700 },
};
const usage: UsageDayStats = {
  day_start: new Date('2030-01-02T00:00:00.000Z'),
  prompt_tokens: 300,
  completion_tokens: 100,
  total_tokens: 400,
  cost_usd: 0.0001,
  by_agent: [
    { agent_name: 'CodeAgent', prompt_tokens: 200, completion_tokens: 80, total_tokens: 280, cost_usd: 0.00008 },
    { agent_name: 'PeerAgent', prompt_tokens: 100, completion_tokens: 20, total_tokens: 120, cost_usd: 0.00002 },
  ],
  by_model: [{ model: 'gpt-4o-mini', prompt_tokens: 300, completion_tokens: 100, total_tokens: 400, cost_usd: 0.0001 }],
};
const worker: LiveWorker = { worker_id: 'h:1:ab', hostname: 'h', pid: 1, started_at: NOW.toISOString(), last_seen_at: NOW.toISOString(), agents: [] };

function deps(overrides: Partial<SystemMetricsDeps> = {}): SystemMetricsDeps {
  return {
    counters: { day: async () => ({ tasks: stats, usage }) },
    // A queue that leaves some states out: they count as 0.
    queue: { counts: async () => ({ waiting: 4, active: 1, completed: 10, failed: 2, delayed: 3 }) as QueueCounts },
    workers: { listLive: async () => [worker] },
    pingMongo: async () => true,
    pingRedis: async () => true,
    now: () => NOW,
    timeoutMs: 200,
    ...overrides,
  };
}

describe('SystemMetricsService', () => {
  it('assembles every part', async () => {
    const view = await new GetSystemMetrics(deps()).execute(logger);
    expect(view).toEqual({
      generated_at: '2030-01-02T15:00:00.000Z',
      today: { start: '2030-01-02T00:00:00.000Z', timezone: 'UTC' },
      queue: { waiting: 4, active: 1, delayed: 3, failed: 2, completed: 10, paused: 0 },
      tasks_today: { queued: 1, processing: 2, completed: 3, failed: 4, cancelled: 0, total: 10 },
      agent_distribution_today: [{ agent_name: 'CodeAgent', agent_type: 'code', count: 5 }],
      latency_today_ms: { count: 3, avg: 333.3, p95: 700 },
      workers: { alive: 1, items: [worker] },
      usage_today: { prompt_tokens: 300, completion_tokens: 100, total_tokens: 400, cost_usd: 0.0001, by_agent: usage.by_agent, by_model: usage.by_model },
      health: { mongodb: 'ok', redis: 'ok', workers: 'ok' },
      api_version: 'v1',
    });
  });

  it('passes its deadline to the database and asks for the day of now', async () => {
    const day = jest.fn(async () => ({ tasks: stats, usage }));
    await new GetSystemMetrics(deps({ counters: { day } })).execute(logger);
    expect(day).toHaveBeenCalledWith(NOW, { maxTimeMs: 200 });
  });

  it('has no average and no p95 for a day without finished tasks', async () => {
    const empty = { ...stats, latency_ms: { count: 0, sum: 0, p95: null } };
    const view = await new GetSystemMetrics(deps({ counters: { day: async () => ({ tasks: empty, usage }) } })).execute(logger);
    expect(view.latency_today_ms).toEqual({ count: 0, avg: null, p95: null });
  });

  it('says "none" when no worker is alive', async () => {
    const view = await new GetSystemMetrics(deps({ workers: { listLive: async () => [] } })).execute(logger);
    expect(view.workers).toEqual({ alive: 0, items: [] });
    expect(view.health.workers).toBe('none');
  });

  it('answers with the parts it has when MongoDB is down', async () => {
    const down = deps({ counters: { day: async () => Promise.reject(new Error('ECONNREFUSED')) }, pingMongo: async () => false });
    const view = await new GetSystemMetrics(down).execute(logger);
    expect(view).toMatchObject({ tasks_today: null, agent_distribution_today: null, latency_today_ms: null, usage_today: null, today: { start: '2030-01-02T00:00:00.000Z' } });
    expect(view.queue).not.toBeNull();
    expect(view.health).toEqual({ mongodb: 'down', redis: 'ok', workers: 'ok' });
  });

  it('answers with the parts it has when Redis is down', async () => {
    const fail = async () => Promise.reject(new Error('Stream is not writeable'));
    const view = await new GetSystemMetrics(deps({ queue: { counts: fail }, workers: { listLive: fail }, pingRedis: async () => false })).execute(logger);
    expect(view).toMatchObject({ queue: null, workers: null, health: { mongodb: 'ok', redis: 'down', workers: 'unknown' } });
    expect(view.tasks_today).not.toBeNull();
  });

  it('does not wait longer than its deadline for a part that hangs', async () => {
    const never = () => new Promise<never>(() => undefined);
    const started = Date.now();
    const view = await new GetSystemMetrics(
      deps({ counters: { day: never }, queue: { counts: never }, workers: { listLive: never }, pingMongo: never, pingRedis: never, timeoutMs: 50 }),
    ).execute(logger);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(view).toMatchObject({ queue: null, tasks_today: null, workers: null, health: { mongodb: 'down', redis: 'down', workers: 'unknown' } });
  });
});
