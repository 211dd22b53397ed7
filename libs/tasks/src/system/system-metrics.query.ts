/**
 * The system's figures at a glance (GET /v1/system/metrics): one summary for the dashboard (architecture §7.2).
 *
 * "Today" is the current UTC day, from midnight UTC. Every part is bounded so
 * the cost does not grow with the number of tasks ever stored:
 * - queue: the queue's counters (Bull: O(1) Redis commands, LLEN / ZCARD);
 * - tasks_today, agent_distribution_today, latency_today_ms, usage_today: the day's running
 *   counters (TaskCounterRepository.day): one document read by `_id`, whatever the number of
 *   tasks stored, on any MongoDB-compatible server (system/task-counting.ts keeps them);
 * - workers: the live-worker registry, one index read and one MGET.
 * Each part has its own deadline. A part that fails or is late is `null` and
 * the answer is still 200 (health says what is down): a dashboard shows what it
 * can instead of an error page.
 */
import { API_VERSION, TASK_STATUSES, startOfUtcDay, type TaskStatus } from '@agent-orchestrator/domain';
import { dayFigures, type DayCounters, type TaskCounterRepository, type TaskDayStats, type UsageFigures } from '@agent-orchestrator/persistence';
import type { Logger } from '../ports/logger.port';
import type { QueueCounts, TaskQueue } from '../ports/task-queue.port';
import type { LiveWorker, WorkerDirectory } from '../ports/worker-directory.port';
import { within } from '../support/deadline';

export type Health = 'ok' | 'down';

export interface SystemMetricsView {
  generated_at: string;
  today: { start: string; timezone: 'UTC' };
  queue: QueueCounts | null;
  /** Tasks created today, by their current status. */
  tasks_today: (Record<TaskStatus, number> & { total: number }) | null;
  /** Tasks created today that were routed to an agent, by agent, most used first. */
  agent_distribution_today: { agent_name: string; agent_type: string | null; count: number }[] | null;
  /**
   * queued_at → completed_at of the tasks that reached completed or failed today. avg exact; p95 by
   * nearest rank over the counters' latency histogram (within ±4.9 %, or ±5 ms under 10 ms).
   */
  latency_today_ms: { count: number; avg: number | null; p95: number | null } | null;
  workers: { alive: number; items: LiveWorker[] } | null;
  /** Tokens and estimated cost of the LLM calls (router and agents) that finished today, by agent and by model. */
  usage_today: UsageFigures | null;
  health: { mongodb: Health; redis: Health; workers: 'ok' | 'none' | 'unknown' };
  api_version: string;
}

export interface SystemMetricsDeps {
  counters: Pick<TaskCounterRepository, 'day'>;
  queue: Pick<TaskQueue, 'counts'>;
  workers: WorkerDirectory;
  pingMongo: () => Promise<boolean>;
  pingRedis: () => Promise<boolean>;
  now: () => Date;
  /** Deadline of each part. */
  timeoutMs: number;
}

const count = (n: unknown): number => (typeof n === 'number' && Number.isFinite(n) && n >= 0 ? n : 0);

export class GetSystemMetrics {
  constructor(private readonly deps: SystemMetricsDeps) {}

  async execute(logger: Pick<Logger, 'warn'>): Promise<SystemMetricsView> {
    const { deps } = this;
    const now = deps.now();
    const t = deps.timeoutMs;
    const [counters, queue, workers, mongoUp, redisUp] = await Promise.allSettled([
      // The server gives up too, so a slow read does not keep running after we stopped waiting.
      within(t, () => deps.counters.day(now, { maxTimeMs: t })),
      within(t, () => deps.queue.counts()),
      within(t, () => deps.workers.listLive()),
      within(t, deps.pingMongo),
      within(t, deps.pingRedis),
    ]);
    for (const [part, result] of [
      ['counters', counters],
      ['queue', queue],
      ['workers', workers],
    ] as const) {
      if (result.status === 'rejected') {
        const err = result.reason as Error;
        logger.warn('system metrics: a part could not be computed', { part, error_message: err?.message });
      }
    }

    const read: DayCounters | null = counters.status === 'fulfilled' ? counters.value : null;
    const day: TaskDayStats | null = read?.tasks ?? null;
    // Shared with the history's points, so history and the live figures are computed alike.
    const figures = dayFigures(day, read?.usage ?? null);
    const live = workers.status === 'fulfilled' ? workers.value : null;
    const up = (r: PromiseSettledResult<boolean>): Health => (r.status === 'fulfilled' && r.value === true ? 'ok' : 'down');

    return {
      generated_at: now.toISOString(),
      today: { start: (day?.day_start ?? startOfUtcDay(now)).toISOString(), timezone: 'UTC' },
      queue:
        queue.status === 'fulfilled'
          ? {
              waiting: count(queue.value.waiting),
              active: count(queue.value.active),
              delayed: count(queue.value.delayed),
              failed: count(queue.value.failed),
              completed: count(queue.value.completed),
              paused: count(queue.value.paused),
            }
          : null,
      tasks_today: day && tasksToday(day),
      agent_distribution_today: day && day.created_by_agent.map((a) => ({ agent_name: a.agent_name, agent_type: a.agent_type, count: a.count })),
      latency_today_ms: figures.latency && { count: figures.latency.count, avg: figures.latency.avg_ms, p95: figures.latency.p95_ms },
      workers: live && { alive: live.length, items: live },
      usage_today: figures.usage,
      health: {
        mongodb: up(mongoUp),
        redis: up(redisUp),
        workers: live === null ? 'unknown' : live.length > 0 ? 'ok' : 'none',
      },
      api_version: API_VERSION,
    };
  }
}

function tasksToday(day: TaskDayStats): Record<TaskStatus, number> & { total: number } {
  const byStatus = Object.fromEntries(TASK_STATUSES.map((s) => [s, day.created_by_status[s] ?? 0])) as Record<TaskStatus, number>;
  return { ...byStatus, total: TASK_STATUSES.reduce((sum, s) => sum + byStatus[s], 0) };
}
