import type { TaskEvent, TaskEventType } from '@agent-orchestrator/domain';
import { TaskMetrics, taskMetricsSink } from './task-metrics';
import { createMetricsRegistry } from './metrics-registry';

function event(type: TaskEventType, data: Record<string, unknown> = {}, agent_name: string | null = null): TaskEvent {
  return {
    event: type,
    level: 'info',
    message: type,
    timestamp: new Date(),
    task_id: 't',
    session_id: 's',
    request_id: null,
    agent_name,
    service: 'worker',
    data,
  };
}

async function values(
  registry: ReturnType<typeof createMetricsRegistry>,
  name: string,
): Promise<Array<{ labels: Record<string, unknown>; value: number; metricName?: string }>> {
  const metric = registry.getSingleMetric(name);
  if (!metric) throw new Error(`no metric ${name}`);
  return (await metric.get()).values as Array<{ labels: Record<string, unknown>; value: number; metricName?: string }>;
}

describe('taskMetricsSink', () => {
  let registry: ReturnType<typeof createMetricsRegistry>;
  let sink: ReturnType<typeof taskMetricsSink>;

  beforeEach(() => {
    registry = createMetricsRegistry('worker', { processMetrics: false });
    sink = taskMetricsSink(new TaskMetrics(registry));
  });

  it('counts finished tasks by outcome and agent, "none" when no agent was chosen', async () => {
    sink(event('task.completed', { duration_ms: 1500, latency_ms: 2000 }, 'CodeAgent'));
    sink(event('task.completed', { duration_ms: 500, latency_ms: 600 }, 'CodeAgent'));
    sink(event('task.failed', { duration_ms: 100, error_type: 'UNKNOWN_TASK_TYPE' }, null));
    sink(event('task.cancelled', {}, null));
    const finished = await values(registry, 'tasks_finished_total');
    expect(finished.map((v) => [v.labels, v.value])).toEqual(
      expect.arrayContaining([
        [{ outcome: 'completed', agent: 'CodeAgent' }, 2],
        [{ outcome: 'failed', agent: 'none' }, 1],
        [{ outcome: 'cancelled', agent: 'none' }, 1],
      ]),
    );
    expect(finished).toHaveLength(3);
  });

  it('observes processing time in seconds per outcome and agent, and queue wait at pickup', async () => {
    sink(event('task.picked_up', { attempt: 1, queue_wait_ms: 250 }));
    sink(event('task.completed', { duration_ms: 1500, latency_ms: 1750 }, 'ContentAgent'));
    sink(event('task.cancelled', { duration_ms: 3000 }, 'ContentAgent'));
    const wait = await values(registry, 'task_queue_wait_seconds');
    expect(wait.find((v) => v.metricName === 'task_queue_wait_seconds_sum')?.value).toBe(0.25);
    expect(wait.find((v) => v.metricName === 'task_queue_wait_seconds_count')?.value).toBe(1);
    const processing = await values(registry, 'task_processing_seconds');
    expect(processing.find((v) => v.metricName === 'task_processing_seconds_sum' && v.labels['outcome'] === 'completed')).toMatchObject({
      labels: { agent: 'ContentAgent' },
      value: 1.5,
    });
    expect(processing.find((v) => v.metricName === 'task_processing_seconds_sum' && v.labels['outcome'] === 'cancelled')).toMatchObject({ value: 3 });
  });

  it('counts failures by error type, clamping unknown types', async () => {
    sink(event('task.failed', { duration_ms: 10, error_type: 'LLM_ERROR' }, 'CodeAgent'));
    sink(event('task.failed', { duration_ms: 10, error_type: 'LLM_ERROR' }, 'CodeAgent'));
    sink(event('task.failed', { duration_ms: 10, error_type: 'SOMETHING_NEW/with junk' }, 'CodeAgent'));
    const errors = await values(registry, 'task_errors_total');
    expect(errors.map((v) => [v.labels['error_type'], v.value]).sort()).toEqual([
      ['LLM_ERROR', 2],
      ['other', 1],
    ]);
  });

  it('ignores other events and figures that are missing or not numbers', async () => {
    sink(event('task.routed', { confidence: 0.9 }, 'CodeAgent'));
    sink(event('agent.finished', { duration_ms: 100 }, 'CodeAgent'));
    sink(event('task.picked_up', { queue_wait_ms: 'soon' }));
    sink(event('task.completed', { duration_ms: -5 }, 'CodeAgent'));
    expect(await values(registry, 'tasks_finished_total')).toHaveLength(1);
    expect((await values(registry, 'task_queue_wait_seconds')).find((v) => v.metricName === 'task_queue_wait_seconds_count')?.value).toBe(0);
    expect((await values(registry, 'task_processing_seconds')).filter((v) => v.metricName === 'task_processing_seconds_count')).toEqual([]);
  });

  it('bounds the agent label', async () => {
    for (let i = 0; i < 60; i++) sink(event('task.completed', { duration_ms: 1 }, `Agent${i}`));
    const agents = new Set((await values(registry, 'tasks_finished_total')).map((v) => v.labels['agent']));
    expect(agents.size).toBe(51);
    expect(agents.has('other')).toBe(true);
  });
});
