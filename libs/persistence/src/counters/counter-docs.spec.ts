import { documentUpdates, figuresOf, historyPoints, applyPaths, counterPaths, rebuiltPaths, type CounterDoc } from './counter-docs';
import { LATENCY_P95_MAX_RELATIVE_ERROR, boundedPercentile, histogramPercentile, latencyBucket, latencyBucketBounds, latencyBucketValue } from './latency-buckets';

const at = (iso: string) => new Date(iso);

describe('latency buckets', () => {
  it('put each latency in a bucket whose value is within the stated error', () => {
    for (const ms of [0, 3, 9.99, 10, 11, 57, 120, 999, 4321, 60_000, 3_600_000, 86_400_000]) {
      const b = latencyBucket(ms);
      const [lo, hi] = latencyBucketBounds(b);
      expect(ms).toBeGreaterThanOrEqual(lo);
      expect(ms).toBeLessThan(hi);
      const v = latencyBucketValue(b);
      // Within the relative error, plus the 0.05 ms of rounding to 0.1 ms.
      if (ms >= 10) expect(Math.abs(v - ms)).toBeLessThanOrEqual(ms * LATENCY_P95_MAX_RELATIVE_ERROR + 0.05);
      else expect(Math.abs(v - ms)).toBeLessThanOrEqual(5);
    }
    expect(latencyBucket(-5)).toBe(0);
    expect(latencyBucket(Number.NaN)).toBe(0);
  });

  it('read a nearest-rank percentile from the counts', () => {
    const latencies = [120, 250, 300, 410, 500, 650, 700, 800, 950, 1200, 1500, 2000, 2500, 3000, 4000, 5000, 6500, 8000, 9000, 30_000];
    const buckets = new Map<number, number>();
    for (const ms of latencies) buckets.set(latencyBucket(ms), (buckets.get(latencyBucket(ms)) ?? 0) + 1);
    // nearest rank of 0.95 over 20 is the 19th: 9000 ms.
    expect(histogramPercentile(buckets, 0.95)).toBe(latencyBucketValue(latencyBucket(9000)));
    expect(Math.abs(histogramPercentile(buckets, 0.95)! - 9000) / 9000).toBeLessThanOrEqual(LATENCY_P95_MAX_RELATIVE_ERROR);
    expect(histogramPercentile(new Map(), 0.95)).toBeNull();
  });
});

describe('the p95 reading, bounded by the exact totals', () => {
  const histogram = (latencies: number[]) => {
    const buckets = new Map<number, number>();
    for (const ms of latencies) buckets.set(latencyBucket(ms), (buckets.get(latencyBucket(ms)) ?? 0) + 1);
    return buckets;
  };
  const totals = (latencies: number[]) => ({ count: latencies.length, sum: latencies.reduce((a, b) => a + b, 0), max: Math.max(...latencies), min: Math.min(...latencies) });
  const exact = (latencies: number[]) => [...latencies].sort((a, b) => a - b)[Math.ceil(0.95 * latencies.length) - 1]!;

  it('is exact for one task: not the bucket middle below it (53.x for a 54 ms task)', () => {
    expect(latencyBucketValue(latencyBucket(54))).toBeLessThan(54);
    expect(boundedPercentile(histogram([54]), 0.95, totals([54]))).toBe(54);
    // Tasks all alike: exact too.
    expect(boundedPercentile(histogram([54, 54, 54]), 0.95, totals([54, 54, 54]))).toBe(54);
  });

  it('is never above the max nor below the min, and stays within the stated error of the exact value', () => {
    let seed = 7;
    const random = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    for (let run = 0; run < 300; run++) {
      const n = 1 + Math.floor(random() * 40);
      const latencies = Array.from({ length: n }, () => Math.round(5 + random() * random() * 20_000));
      const t = totals(latencies);
      const p95 = boundedPercentile(histogram(latencies), 0.95, t)!;
      expect(p95).toBeLessThanOrEqual(t.max);
      expect(p95).toBeGreaterThanOrEqual(t.min);
      const want = exact(latencies);
      if (want >= 10) expect(Math.abs(p95 - want)).toBeLessThanOrEqual(want * LATENCY_P95_MAX_RELATIVE_ERROR + 0.05);
    }
  });

  it('uses the sum: with the max known, the p95 of [10, 1000] is at least what the sum forces', () => {
    // Two tasks: rank 2 of 2 is the max itself.
    expect(boundedPercentile(histogram([10, 1000]), 0.95, totals([10, 1000]))).toBe(1000);
  });

  it('falls back to the bucket reading without max and min (days counted before they were kept)', () => {
    expect(boundedPercentile(histogram([54]), 0.95, { count: 1, sum: 54, max: null, min: null })).toBe(latencyBucketValue(latencyBucket(54)));
    expect(boundedPercentile(new Map(), 0.95, { count: 0, sum: 0, max: null, min: null })).toBeNull();
  });

  it('keeps the max and min as $max / $min counters: a day of one 54 ms task reads p95 54 = avg', () => {
    const docs = documentUpdates([{ day: '2030-01-02', at: at('2030-01-02T10:00:00Z'), latency: { ms: 54, count: 1 } }]);
    const day = docs.get('day:2030-01-02')!;
    expect(day.inc).toMatchObject({ 'latency.max_ms': 54, 'latency.min_ms': 54, 'latency.sum_ms': 54 });
    const figures = figuresOf(counterPaths(applyPaths({}, day.inc)), at('2030-01-02T12:00:00Z'));
    expect(figures.tasks.latency_ms).toEqual({ count: 1, sum: 54, p95: 54 });
    // A second task keeps the extremes, not their sum; a taken-back latency leaves them as bounds.
    const more = documentUpdates([
      { day: '2030-01-02', at: at('2030-01-02T10:01:00Z'), latency: { ms: 80, count: 1 } },
      { day: '2030-01-02', at: at('2030-01-02T10:02:00Z'), latency: { ms: 30, count: 1 } },
      { day: '2030-01-02', at: at('2030-01-02T10:03:00Z'), latency: { ms: 80, count: -1 } },
    ]).get('day:2030-01-02')!;
    const doc = applyPaths(applyPaths({}, day.inc), more.inc);
    expect(counterPaths(doc)).toMatchObject({ 'latency.count': 2, 'latency.sum_ms': 84, 'latency.max_ms': 80, 'latency.min_ms': 30 });
    const p95 = figuresOf(counterPaths(doc), at('2030-01-02T12:00:00Z')).tasks.latency_ms.p95!;
    expect(p95).toBeGreaterThanOrEqual(30);
    expect(p95).toBeLessThanOrEqual(80);
  });
});

describe('counter documents', () => {
  it('updates the day and, when the change happens in that day, its minute: one update per document', () => {
    const docs = documentUpdates([
      { day: '2030-01-02', at: at('2030-01-02T10:31:20Z'), status: { queued: 1 } },
      { day: '2030-01-02', at: at('2030-01-02T10:31:50Z'), status: { queued: -1, processing: 1 } },
      // A task created the day before, finishing today: its status counts on its own day only.
      { day: '2030-01-01', at: at('2030-01-02T10:32:00Z'), status: { processing: -1, completed: 1 } },
    ]);
    expect([...docs.keys()]).toEqual(['day:2030-01-02', 'min:2030-01-02T10:31', 'day:2030-01-01']);
    expect(docs.get('day:2030-01-02')!.inc).toEqual({ 'status.queued': 0, 'status.processing': 1 });
    expect(docs.get('min:2030-01-02T10:31')!.setOnInsert).toEqual({ day: '2030-01-02', minute_start: at('2030-01-02T10:31:00Z') });
    expect(docs.get('day:2030-01-01')!.setOnInsert).toEqual({ day: '2030-01-01' });
  });

  it('keeps agent and model names that are not field names (dots, dollars, colons, empty)', () => {
    const docs = documentUpdates([
      {
        day: '2030-01-02',
        at: at('2030-01-02T10:00:00Z'),
        agents: [
          { agent_name: 'a.b$c:d', agent_type: 'x.y', count: 1 },
          { agent_name: '', agent_type: null, count: 2 },
        ],
      },
      {
        day: '2030-01-02',
        at: at('2030-01-02T10:00:00Z'),
        usage: {
          agent_name: '$Peer.Agent',
          totals: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4, cost_usd: 0.5 },
          by_model: [{ model: 'claude-3.5', prompt_tokens: 3, completion_tokens: 1, total_tokens: 4, cost_usd: 0.5 }],
        },
      },
    ]);
    const doc = applyPaths({}, docs.get('day:2030-01-02')!.inc);
    for (const path of Object.keys(counterPaths(doc))) for (const key of path.split('.')) expect(key).not.toMatch(/^\$|^$/);
    const figures = figuresOf(counterPaths(doc), at('2030-01-02T12:00:00Z'));
    expect(figures.tasks.created_by_agent).toEqual([
      { agent_name: '', agent_type: null, count: 2 },
      { agent_name: 'a.b$c:d', agent_type: 'x.y', count: 1 },
    ]);
    expect(figures.usage).toMatchObject({
      total_tokens: 4,
      cost_usd: 0.5,
      by_agent: [{ agent_name: '$Peer.Agent', total_tokens: 4 }],
      by_model: [{ model: 'claude-3.5', total_tokens: 4 }],
    });
  });

  it('counts an unknown cost (null) apart, so its row and the day read null, never $0; a rebuild keeps it unknown', () => {
    const day = '2030-01-02';
    const docs = documentUpdates([
      {
        day,
        at: at('2030-01-02T10:00:00Z'),
        usage: {
          agent_name: 'CodeAgent',
          totals: { prompt_tokens: 500, completion_tokens: 120, total_tokens: 620, cost_usd: null },
          by_model: [
            { model: 'llama3.1:8b', prompt_tokens: 400, completion_tokens: 100, total_tokens: 500, cost_usd: null },
            { model: 'gpt-4o', prompt_tokens: 100, completion_tokens: 20, total_tokens: 120, cost_usd: 0.0005 },
          ],
        },
      },
      {
        day,
        at: at('2030-01-02T10:01:00Z'),
        usage: {
          agent_name: 'PeerAgent',
          totals: { prompt_tokens: 100, completion_tokens: 10, total_tokens: 110, cost_usd: 0.0001 },
          by_model: [{ model: 'gpt-4o-mini', prompt_tokens: 100, completion_tokens: 10, total_tokens: 110, cost_usd: 0.0001 }],
        },
      },
    ]);
    const inc = docs.get('day:2030-01-02')!.inc;
    expect(inc).toMatchObject({ 'usage.by_agent.~CodeAgent.cost_unknown': 1, 'usage.by_model.~llama3%2E1%3A8b.cost_unknown': 1, 'usage.by_model.~gpt-4o.cost_usd': 0.0005 });
    expect(Object.keys(inc).filter((k) => k.startsWith('usage.by_agent.~CodeAgent.cost_usd'))).toEqual([]);
    const figures = figuresOf(counterPaths(applyPaths({}, inc)), at('2030-01-02T12:00:00Z'));
    expect(figures.usage).toMatchObject({ prompt_tokens: 600, completion_tokens: 130, total_tokens: 730, cost_usd: null });
    expect(figures.usage.by_agent).toEqual([
      { agent_name: 'CodeAgent', prompt_tokens: 500, completion_tokens: 120, total_tokens: 620, cost_usd: null },
      { agent_name: 'PeerAgent', prompt_tokens: 100, completion_tokens: 10, total_tokens: 110, cost_usd: 0.0001 },
    ]);
    expect(figures.usage.by_model.map((m) => [m.model, m.cost_usd])).toEqual([
      ['llama3.1:8b', null],
      ['gpt-4o', 0.0005],
      ['gpt-4o-mini', 0.0001],
    ]);
    // A day rebuilt from these figures is still unknown where it was.
    const rebuilt = figuresOf(rebuiltPaths(figures, []), at('2030-01-02T12:00:00Z'));
    expect(rebuilt.usage).toEqual(figures.usage);
  });

  it('reads a drifted counter below zero as 0, and a missing document as an empty day', () => {
    const empty = figuresOf(counterPaths(null), at('2030-01-02T12:00:00Z'));
    expect(empty.tasks).toEqual({
      day_start: at('2030-01-02T00:00:00Z'),
      created_by_status: { queued: 0, processing: 0, completed: 0, failed: 0, cancelled: 0 },
      created_by_agent: [],
      latency_ms: { count: 0, sum: 0, p95: null },
    });
    expect(figuresOf({ 'status.queued': -2 }, at('2030-01-02T12:00:00Z')).tasks.created_by_status.queued).toBe(0);
  });

  it('gives history points with the running figures of their own day', () => {
    const minute = (iso: string, inc: Record<string, number>, queue?: object): CounterDoc =>
      applyPaths({ minute_start: at(iso), ...(queue ? { queue } : {}) }, inc);
    const docs = [
      minute('2030-01-01T23:59:00Z', { 'status.queued': 5 }),
      minute('2030-01-02T00:00:00Z', { 'status.queued': 1 }),
      minute('2030-01-02T00:01:00Z', { 'status.queued': -1, 'status.processing': 1 }, { waiting: 2 }),
    ];
    const points = historyPoints(docs, { from: at('2030-01-01T23:59:00Z'), to: at('2030-01-02T01:00:00Z'), limit: 10 });
    expect(points.map((p) => [p.tasks_by_status?.queued, p.tasks_by_status?.processing])).toEqual([
      [5, 0],
      [1, 0],
      [0, 1],
    ]);
    expect(points[2]!.queue).toEqual({ waiting: 2, active: 0, delayed: 0, failed: 0, completed: 0, paused: 0 });
    expect(points[0]!.queue).toBeNull();
    expect(
      historyPoints(docs, { from: at('2030-01-02T00:00:30Z'), to: at('2030-01-02T01:00:00Z'), limit: 10 }).map((p) => p.tasks_by_status?.processing),
    ).toEqual([1]);
    expect(historyPoints(docs, { from: at('2030-01-01T00:00:00Z'), to: at('2030-01-03T00:00:00Z'), limit: 2 })).toHaveLength(2);
  });
});
