// Integration test: needs MongoDB (or FerretDB) at MONGO_URI, provided by the Jest globalSetup.
// TaskRepository.list (keyset pagination, filters) and dayStats (today's counts and latency).
import { randomUUID } from 'node:crypto';
import { DEFAULT_TENANT, ValidationError, type Task, type TaskStatus } from '@agent-orchestrator/domain';

import type { TaskListPosition, TaskListQuery, TaskRepository, TaskSummary } from '../repositories';
import { makeTask, useTestDatabase } from '../testing/mongo-test-env';

const db = useTestDatabase();
let tasks: TaskRepository;

beforeAll(() => {
  tasks = db.store.repositories.tasks;
});

const at = (iso: string) => new Date(iso);

/** Every page of `query`, following `after` from each page's last item. */
async function allPages(query: Omit<TaskListQuery, 'after' | 'tenant_id'> & { tenant_id?: string }, between?: (page: number) => Promise<void>): Promise<TaskSummary[][]> {
  const pages: TaskSummary[][] = [];
  let after: TaskListPosition | undefined;
  for (;;) {
    const page = await tasks.list({ tenant_id: DEFAULT_TENANT, ...query, ...(after ? { after } : {}) });
    pages.push(page.items);
    if (!page.has_more) return pages;
    const last = page.items[page.items.length - 1]!;
    after = { created_at: last.created_at, task_id: last.task_id };
    await between?.(pages.length);
  }
}

/** The order list() promises: created_at desc, then task_id desc. */
function newestFirst(a: Pick<Task, 'created_at' | 'task_id'>, b: Pick<Task, 'created_at' | 'task_id'>): number {
  return b.created_at.getTime() - a.created_at.getTime() || (a.task_id < b.task_id ? 1 : a.task_id > b.task_id ? -1 : 0);
}

describe('list', () => {
  const session = `list-${randomUUID()}`;
  const seeded: Task[] = [];

  beforeAll(async () => {
    // 3 tasks share each created_at, so ties are broken by task_id on every page boundary.
    const statuses: TaskStatus[] = ['queued', 'processing', 'completed', 'failed'];
    for (let i = 0; i < 24; i++) {
      const created_at = new Date(Date.UTC(2030, 0, 1, 0, Math.floor(i / 3)));
      const status = statuses[i % 4]!;
      const task = makeTask({
        session_id: i % 2 === 0 ? session : `${session}-other`,
        created_at,
        queued_at: created_at,
        updated_at: created_at,
        status,
        task: `task ${i}`,
        agent_type: i % 3 === 0 ? 'code' : 'content',
        selected_agent: i % 3 === 0 ? 'CodeAgent' : 'ContentAgent',
        ...(status === 'completed'
          ? {
              result: {
                summary: `summary ${i}`,
                raw_output: 'x'.repeat(5000),
                code_language: null,
                citations: [{ source: 'tavily', title: 't', url: 'https://example.com' }],
              },
              usage: {
                prompt_tokens: 10,
                completion_tokens: 5,
                total_tokens: 15,
                cost_usd: 0.25,
                by_model: [{ model: 'm', prompt_tokens: 10, completion_tokens: 5, total_tokens: 15, cost_usd: 0.25 }],
              },
            }
          : {}),
        ...(status === 'failed' ? { error: { type: 'LLM_ERROR', message: 'upstream 500' } } : {}),
      });
      seeded.push(await tasks.create(task));
    }
  });

  const inRange = (t: Task) => t.created_at >= at('2030-01-01T00:00:00Z') && t.created_at < at('2030-01-02T00:00:00Z');
  const ids = (items: { task_id: string }[]) => items.map((t) => t.task_id);
  const range = { created_from: at('2030-01-01T00:00:00Z'), created_to: at('2030-01-02T00:00:00Z') };

  it('returns summaries newest first, task_id breaking ties, with has_more', async () => {
    const page = await tasks.list({ tenant_id: DEFAULT_TENANT, ...range, limit: 5 });
    const expected = seeded.filter(inRange).sort(newestFirst);
    expect(ids(page.items)).toEqual(ids(expected.slice(0, 5)));
    expect(page.has_more).toBe(true);
  });

  it('maps a summary without the heavy fields', async () => {
    const source = seeded.find((t) => t.status === 'completed')!;
    const { items } = await tasks.list({
      tenant_id: DEFAULT_TENANT,
      session_id: source.session_id,
      created_from: source.created_at,
      created_to: new Date(source.created_at.getTime() + 1),
      limit: 100,
    });
    const item = items.find((t) => t.task_id === source.task_id)!;
    expect(item).toEqual({
      task_id: source.task_id,
      session_id: source.session_id,
      task: source.task,
      status: 'completed',
      created_at: source.created_at,
      queued_at: source.queued_at,
      started_at: null,
      completed_at: null,
      updated_at: source.updated_at,
      selected_agent: source.selected_agent,
      agent_type: source.agent_type,
      agent_version: null,
      confidence: null,
      error: null,
      result_summary: source.result!.summary,
      usage: { total_tokens: 15, cost_usd: 0.25 },
    });
    const failed = seeded.find((t) => t.status === 'failed')!;
    const [f] = (await tasks.list({ tenant_id: DEFAULT_TENANT, status: 'failed', created_from: failed.created_at, created_to: new Date(failed.created_at.getTime() + 1), limit: 10 }))
      .items;
    expect(f).toMatchObject({
      task_id: failed.task_id,
      error: { type: 'LLM_ERROR', message: 'upstream 500' },
      result_summary: null,
      usage: { total_tokens: 0, cost_usd: 0 },
    });
  });

  it.each<[string, Partial<TaskListQuery>, (t: Task) => boolean]>([
    ['status', { status: 'completed' }, (t) => t.status === 'completed'],
    ['agent_type', { agent_type: 'code' }, (t) => t.agent_type === 'code'],
    ['session_id', { session_id: session }, (t) => t.session_id === session],
    [
      'status + agent_type + session_id',
      { status: 'queued', agent_type: 'code', session_id: session },
      (t) => t.status === 'queued' && t.agent_type === 'code' && t.session_id === session,
    ],
  ])('filters by %s', async (_name, filter, match) => {
    const pages = await allPages({ ...range, ...filter, limit: 4 });
    const expected = seeded.filter((t) => inRange(t) && match(t)).sort(newestFirst);
    expect(expected.length).toBeGreaterThan(0);
    expect(ids(pages.flat())).toEqual(ids(expected));
  });

  it('treats created_from as inclusive and created_to as exclusive', async () => {
    const from = at('2030-01-01T00:02:00Z');
    const to = at('2030-01-01T00:04:00Z');
    const { items, has_more } = await tasks.list({ tenant_id: DEFAULT_TENANT, created_from: from, created_to: to, limit: 100 });
    expect(has_more).toBe(false);
    expect(ids(items)).toEqual(ids(seeded.filter((t) => t.created_at >= from && t.created_at < to).sort(newestFirst)));
    expect(items).toHaveLength(6);
    expect((await tasks.list({ tenant_id: DEFAULT_TENANT, created_from: from, created_to: from, limit: 10 })).items).toEqual([]);
  });

  it.each([1, 2, 3, 5, 7, 24, 100])('pages of %d cover every task exactly once', async (limit) => {
    const pages = await allPages({ ...range, limit });
    const all = pages.flat();
    expect(ids(all)).toEqual(ids(seeded.filter(inRange).sort(newestFirst)));
    expect(pages.slice(0, -1).every((p) => p.length === limit)).toBe(true);
    // An exactly full last page says has_more=false: no empty trailing page.
    expect(pages[pages.length - 1]!.length).toBeGreaterThan(0);
  });

  it('stays correct while new tasks arrive between pages: no duplicates, no gaps', async () => {
    const live = `live-${randomUUID()}`;
    const base = Date.UTC(2030, 5, 1);
    const initial: Task[] = [];
    for (let i = 0; i < 10; i++) {
      const created_at = new Date(base + Math.floor(i / 2) * 1000);
      initial.push(await tasks.create(makeTask({ session_id: live, created_at, queued_at: created_at, updated_at: created_at })));
    }
    let arrived = 0;
    const pages = await allPages({ session_id: live, limit: 3 }, async () => {
      // Newer tasks (as a busy API would create them) land before the first page and must not shift later pages.
      for (let j = 0; j < 2; j++) {
        const created_at = new Date(base + 3_600_000 + arrived++ * 1000);
        await tasks.create(makeTask({ session_id: live, created_at, queued_at: created_at, updated_at: created_at }));
      }
    });
    expect(arrived).toBeGreaterThan(0);
    const seen = ids(pages.flat());
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toEqual(ids(initial.sort(newestFirst)));
  });

  it('refuses bad arguments before they reach the database', async () => {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const evil = { $ne: null } as any;
    const bad: Partial<TaskListQuery>[] = [
      { limit: 0 },
      { limit: 101 },
      { limit: 1.5 },
      { status: evil },
      { status: 'paused' as TaskStatus },
      { agent_type: evil },
      { session_id: evil },
      { created_from: new Date('nope') },
      { created_to: '2030-01-01' as unknown as Date },
      { after: { created_at: new Date(), task_id: evil } },
      { after: { created_at: 'yesterday' as unknown as Date, task_id: 'x' } },
    ];
    for (const q of bad) {
      await expect(tasks.list({ tenant_id: DEFAULT_TENANT, limit: 10, ...q })).rejects.toBeInstanceOf(ValidationError);
    }
  });
});

describe('terminal transitions store latency and the finishing day', () => {
  it.each(['complete', 'fail'] as const)('%s', async (op) => {
    const queued_at = at('2031-02-03T23:59:59.000Z');
    const task = await tasks.create(makeTask({ created_at: queued_at, queued_at, updated_at: queued_at, status: 'processing' }));
    const now = at('2031-02-04T00:00:01.250Z');
    const out =
      op === 'complete'
        ? await tasks.complete(task.task_id, { result: { summary: null, raw_output: 'ok', code_language: null, citations: [] }, usage: task.usage }, now)
        : await tasks.fail(task.task_id, { error: { type: 'TIMEOUT', message: 'slow' } }, now);
    expect(out).not.toHaveProperty('latency_ms');
    const raw = await db.raw.collection('tasks').findOne({ task_id: task.task_id });
    expect(raw).toMatchObject({ latency_ms: 2250, finished_day: '2031-02-04' });
  });

  it('stores nothing when the transition is refused', async () => {
    const task = await tasks.create(makeTask({ status: 'queued' }));
    expect(
      await tasks.complete(task.task_id, { result: { summary: null, raw_output: '', code_language: null, citations: [] }, usage: task.usage }, new Date()),
    ).toBeNull();
    const raw = await db.raw.collection('tasks').findOne({ task_id: task.task_id });
    expect(raw).toMatchObject({ latency_ms: null, finished_day: null });
  });
});

describe('dayStats', () => {
  // A day of its own, far from the other tests' dates.
  const NOW = at('2032-07-08T15:00:00.000Z');
  const TODAY = Date.UTC(2032, 6, 8);
  const HOUR = 3_600_000;

  async function seed(created: number, status: TaskStatus, agent: [string, string] | null): Promise<Task> {
    const created_at = new Date(created);
    const task = makeTask({
      created_at,
      queued_at: created_at,
      updated_at: created_at,
      status: status === 'completed' || status === 'failed' ? 'processing' : status,
      selected_agent: agent?.[0] ?? null,
      agent_type: agent?.[1] ?? null,
    });
    return tasks.create(task);
  }

  async function finish(task: Task, latencyMs: number, how: 'complete' | 'fail' = 'complete'): Promise<void> {
    const now = new Date(task.queued_at.getTime() + latencyMs);
    const done =
      how === 'complete'
        ? await tasks.complete(task.task_id, { result: { summary: null, raw_output: 'ok', code_language: null, citations: [] }, usage: task.usage }, now)
        : await tasks.fail(task.task_id, { error: { type: 'LLM_ERROR', message: 'x' } }, now);
    expect(done).not.toBeNull();
  }

  it('is empty for a day without tasks', async () => {
    const stats = await tasks.dayStats(at('2040-01-01T10:00:00Z'));
    expect(stats).toEqual({
      day_start: at('2040-01-01T00:00:00Z'),
      created_by_status: { queued: 0, processing: 0, completed: 0, failed: 0, cancelled: 0 },
      created_by_agent: [],
      latency_ms: { count: 0, sum: 0, p95: null },
    });
  });

  it('counts today by status and agent, and gives exact latency count, sum and p95', async () => {
    const code: [string, string] = ['CodeAgent', 'code'];
    const content: [string, string] = ['ContentAgent', 'content'];

    // Yesterday: created and finished yesterday -> in nothing.
    for (let i = 0; i < 5; i++) await finish(await seed(TODAY - 10 * HOUR + i, 'completed', code), 1_000_000);
    // Created yesterday, finished today (latency 23 h): in latency only.
    const lateFinisher = await seed(TODAY - 20 * HOUR, 'processing', content);
    await finish(lateFinisher, 20 * HOUR + 1);
    // Tomorrow (clock skew or a test fixture): in nothing.
    await seed(TODAY + 25 * HOUR, 'queued', null);

    // Today: 3 queued (not routed), 2 processing (code), 19 finished with latencies 100..1900 ms.
    for (let i = 0; i < 3; i++) await seed(TODAY + i * 1000, 'queued', null);
    for (let i = 0; i < 2; i++) await seed(TODAY + HOUR + i, 'processing', code);
    for (let i = 1; i <= 19; i++) {
      const task = await seed(TODAY + 2 * HOUR + i, 'processing', i % 2 ? code : content);
      await finish(task, i * 100, i % 5 === 0 ? 'fail' : 'complete');
    }

    const stats = await tasks.dayStats(NOW, { maxTimeMs: 10_000 });
    expect(stats.day_start).toEqual(new Date(TODAY));
    expect(stats.created_by_status).toEqual({ queued: 3, processing: 2, completed: 16, failed: 3, cancelled: 0 });
    expect(stats.created_by_agent).toEqual([
      { agent_name: 'CodeAgent', agent_type: 'code', count: 12 },
      { agent_name: 'ContentAgent', agent_type: 'content', count: 9 },
    ]);
    // 20 latencies today: 100, 200, ..., 1900 and 72,000,001 (the task created yesterday).
    const latencies = [...Array.from({ length: 19 }, (_, i) => (i + 1) * 100), 20 * HOUR + 1];
    expect(stats.latency_ms).toEqual({ count: 20, sum: latencies.reduce((a, b) => a + b, 0), p95: 1900 });

    // One more finisher makes n = 21, rank ceil(19.95) = 20: the slowest of today's fast ones is no longer p95.
    await finish(await seed(TODAY + 3 * HOUR, 'processing', code), 50);
    const again = await tasks.dayStats(NOW);
    expect(again.latency_ms.count).toBe(21);
    expect(again.latency_ms.p95).toBe(1900);
    await finish(await seed(TODAY + 3 * HOUR + 1, 'processing', code), 5000);
    // n = 22, rank ceil(20.9) = 21 -> sorted [50, 100..1900, 5000, 72000001][20] = 5000.
    expect((await tasks.dayStats(NOW)).latency_ms.p95).toBe(5000);
  });

  it('rejects an invalid now or maxTimeMs', async () => {
    await expect(tasks.dayStats(new Date('x'))).rejects.toBeInstanceOf(ValidationError);
    await expect(tasks.dayStats(NOW, { maxTimeMs: 0 })).rejects.toBeInstanceOf(ValidationError);
  });
});
