import { findSamples } from './exposition-text';
import { InFlightJobs, queueJobCounts, registerQueueMetrics, registerTenantWaitingMetrics, type CountableQueue } from './queue-metrics';
import { createMetricsRegistry } from './metrics-registry';

// A stand-in for Bull's getJobCounts (the worker's integration spec reads a real queue in Redis).
const counting = (counts: Record<string, number>): CountableQueue => ({ getJobCounts: async () => counts });
const hanging: CountableQueue = { getJobCounts: () => new Promise(() => undefined) };

describe('queue metrics', () => {
  it('reads every state, zero when Bull leaves one out', async () => {
    expect(await queueJobCounts(counting({ waiting: 3, active: 1, failed: 2 }), 100)).toEqual({
      waiting: 3,
      active: 1,
      delayed: 0,
      failed: 2,
      completed: 0,
      paused: 0,
    });
  });

  it('gives up after the timeout', async () => {
    await expect(queueJobCounts(hanging, 20)).rejects.toThrow(/timed out after 20 ms/);
  });

  it('queue_jobs{state} is read on scrape; an unreachable queue leaves it empty and the scrape still answers', async () => {
    const registry = createMetricsRegistry('worker', { processMetrics: false });
    const counts = { waiting: 4, active: 2, delayed: 1, failed: 0, completed: 9, paused: 0 };
    registerQueueMetrics(registry, counting(counts));
    const text = await registry.metrics();
    expect(findSamples(text, 'queue_jobs', { state: 'waiting', service: 'worker' }).map((s) => s.value)).toEqual([4]);
    expect(findSamples(text, 'queue_jobs', { state: 'completed' }).map((s) => s.value)).toEqual([9]);
    expect(findSamples(text, 'queue_jobs')).toHaveLength(6);

    const down = createMetricsRegistry('worker', { processMetrics: false });
    registerQueueMetrics(down, hanging, { timeoutMs: 20 });
    const empty = await down.metrics();
    expect(empty).toContain('# TYPE queue_jobs gauge');
    expect(findSamples(empty, 'queue_jobs')).toEqual([]);
  });

  it('queue_tenant_waiting{tenant} is read on scrape, one series per tenant the source gives; none when it does not answer', async () => {
    const registry = createMetricsRegistry('worker', { processMetrics: false });
    let backlog = [
      { tenant: 'acme', waiting: 950 },
      { tenant: 'globex', waiting: 3 },
    ];
    registerTenantWaitingMetrics(registry, { tenantBacklog: async () => backlog });
    const text = await registry.metrics();
    expect(findSamples(text, 'queue_tenant_waiting', { tenant: 'acme', service: 'worker' }).map((s) => s.value)).toEqual([950]);
    expect(findSamples(text, 'queue_tenant_waiting', { tenant: 'globex' }).map((s) => s.value)).toEqual([3]);
    // A tenant that caught up loses its series at the next scrape.
    backlog = [{ tenant: 'acme', waiting: 10 }];
    expect(findSamples(await registry.metrics(), 'queue_tenant_waiting').map((s) => [s.labels['tenant'], s.value])).toEqual([['acme', 10]]);

    const down = createMetricsRegistry('worker', { processMetrics: false });
    registerTenantWaitingMetrics(down, { tenantBacklog: () => new Promise(() => undefined) }, { timeoutMs: 20 });
    const empty = await down.metrics();
    expect(empty).toContain('# TYPE queue_tenant_waiting gauge');
    expect(findSamples(empty, 'queue_tenant_waiting')).toEqual([]);
  });

  it('worker_jobs_in_flight counts running jobs, also when one throws', async () => {
    const registry = createMetricsRegistry('worker', { processMetrics: false });
    const inFlight = new InFlightJobs(registry);
    const gauge = async () => (await registry.getSingleMetric('worker_jobs_in_flight')!.get()).values[0]?.value;
    expect(await gauge()).toBe(0);
    let release!: () => void;
    const running = inFlight.track(() => new Promise<string>((resolve) => (release = () => resolve('done'))));
    await expect(inFlight.track(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await gauge()).toBe(1);
    release();
    await expect(running).resolves.toBe('done');
    expect(await gauge()).toBe(0);
  });
});
