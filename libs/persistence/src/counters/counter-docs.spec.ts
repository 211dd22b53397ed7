import { documentUpdates, figuresOf, historyPoints, applyPaths, counterPaths, rebuiltPaths, type CounterDoc } from './counter-docs';
import { LATENCY_P95_MAX_RELATIVE_ERROR, histogramPercentile, latencyBucket, latencyBucketBounds, latencyBucketValue } from './latency-buckets';

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
