// needs: Redis (REDIS_URL), started by the Jest global setup (tools/jest/services-setup.mjs).
// Fair queuing on the real Bull queue (fair-queue.ts, docs/fair-queuing.md): the order in which a real
// Bull consumer takes jobs of several tenants, across producers on their own connections.
import { randomInt, randomUUID } from 'node:crypto';
import { BullTaskQueue } from './bull-task-queue';
import { FAIR_STATE_KEY } from './fair-queue';
import { uniquePrefix } from './testing';
import { waitUntil } from './wait-until';

describe('fair queuing on Bull (real Redis)', () => {
  const url = (() => {
    const u = new URL(process.env['REDIS_URL']!);
    u.pathname = `/${randomInt(1, 16)}`;
    return u.toString();
  })();
  const open: BullTaskQueue[] = [];

  /** Producers and a consumer on one prefix, as api processes and a worker would be. */
  async function queues(options: { fair?: boolean; producers?: number } = {}) {
    const prefix = uniquePrefix('fair');
    const { fair = true, producers: n = 1 } = options;
    const producers = Array.from({ length: n }, () => new BullTaskQueue(url, { prefix, fair }));
    const consumer = new BullTaskQueue(url, { prefix, fair });
    open.push(...producers, consumer);
    await Promise.all([...producers, consumer].map((q) => q.ready()));
    return { producer: producers[0]!, producers, consumer };
  }

  /** Job ids named `<tenant><n>` would not be UUIDs; keep a name per id to read the order. */
  function namer() {
    const names = new Map<string, string>();
    const id = (name: string) => {
      const taskId = randomUUID();
      names.set(taskId, name);
      return taskId;
    };
    return { id, name: (taskId: string) => names.get(taskId) ?? taskId, ids: () => names.keys() };
  }

  /** Consumes with `concurrency` slots, each job held `holdMs`; records the order jobs start in (by name). */
  async function consumeInOrder(consumer: BullTaskQueue, concurrency: number, holdMs: number, name: (id: string) => string) {
    const started: string[] = [];
    const tenants: Array<string | undefined> = [];
    await consumer.consume(
      async ({ task_id, tenant }) => {
        started.push(name(task_id));
        tenants.push(tenant);
        await new Promise((resolve) => setTimeout(resolve, holdMs));
      },
      { concurrency },
    );
    return { started, tenants };
  }

  afterAll(async () => {
    for (const q of open) await q.queue.obliterate({ force: true }).catch(() => undefined);
    await Promise.all(open.map((q) => q.close()));
  });

  it('takes backlogged tenants in turns and each tenant first in, first out; the job carries its tenant', async () => {
    const { producer, consumer } = await queues();
    const n = namer();
    const plan: Array<[string, string]> = [
      ['a0', 'a'], ['a1', 'a'], ['a2', 'a'], ['a3', 'a'], ['b0', 'b'], ['b1', 'b'], ['c0', 'c'], ['a4', 'a'],
    ];
    for (const [name, tenant] of plan) await producer.enqueue(n.id(name), { tenant });
    const { started, tenants } = await consumeInOrder(consumer, 1, 0, n.name);
    await waitUntil(async () => started.length === plan.length, { timeoutMs: 10_000 });
    expect(started).toEqual(['a0', 'b0', 'c0', 'a1', 'b1', 'a2', 'a3', 'a4']);
    expect(tenants).toEqual(['a', 'b', 'c', 'a', 'b', 'a', 'a', 'a']);
  });

  it('gives enqueues made in one turn (one batch: one pipeline of tags, one addBulk) the order one-by-one enqueues get; a repeat adds nothing', async () => {
    const { producer, consumer } = await queues();
    const n = namer();
    const plan: Array<[string, string]> = [
      ['a0', 'a'], ['a1', 'a'], ['a2', 'a'], ['a3', 'a'], ['b0', 'b'], ['b1', 'b'], ['c0', 'c'], ['a4', 'a'],
    ];
    const ids = plan.map(([name]) => n.id(name));
    // All in one turn, and a second enqueue of a0 in the same batch.
    await Promise.all([...plan.map(([, tenant], i) => producer.enqueue(ids[i]!, { tenant })), producer.enqueue(ids[0]!, { tenant: 'a' })]);
    expect(await producer.counts()).toMatchObject({ waiting: plan.length });
    const { started, tenants } = await consumeInOrder(consumer, 1, 0, n.name);
    await waitUntil(async () => started.length === plan.length, { timeoutMs: 10_000 });
    expect(started).toEqual(['a0', 'b0', 'c0', 'a1', 'b1', 'a2', 'a3', 'a4']);
    expect(tenants).toEqual(['a', 'b', 'c', 'a', 'b', 'a', 'a', 'a']);
  });

  it('without fair queuing, enqueues made in one turn (one addBulk) are taken first in, first out', async () => {
    const { producer, consumer } = await queues({ fair: false });
    const n = namer();
    const names = ['a0', 'b0', 'a1', 'c0', 'a2'];
    await Promise.all(names.map((name) => producer.enqueue(n.id(name), { tenant: name.slice(0, 1) })));
    const { started } = await consumeInOrder(consumer, 1, 0, n.name);
    await waitUntil(async () => started.length === names.length, { timeoutMs: 10_000 });
    expect(started).toEqual(names);
  });

  it('starts a newcomer after at most one job per slot of a 300-job backlog; first in, first out puts it last', async () => {
    const figures: Record<string, { aStartedAfterSubmit: number }> = {};
    for (const fair of [true, false]) {
      const { producer, consumer } = await queues({ fair });
      const n = namer();
      for (let i = 0; i < 300; i++) await producer.enqueue(n.id(`a${i}`), { tenant: 'a' });
      const concurrency = 3;
      const { started } = await consumeInOrder(consumer, concurrency, 20, n.name);
      await waitUntil(async () => started.length >= 10, { timeoutMs: 10_000 });
      await producer.enqueue(n.id('b0'), { tenant: 'b' });
      // Counted from the moment B's job is in the queue (when the api would answer 202).
      const before = started.length;
      await waitUntil(async () => started.includes('b0'), { timeoutMs: 60_000 });
      const aStartedAfterSubmit = started.indexOf('b0') - before;
      figures[fair ? 'fair' : 'fifo'] = { aStartedAfterSubmit };
      await consumer.pause();
      if (fair) expect(aStartedAfterSubmit).toBeLessThanOrEqual(concurrency);
      else expect(aStartedAfterSubmit).toBe(300 - before);
      // (Fair: B's tag ties with A's next job, which was first; the rest are jobs the slots were already taking.)
    }
    process.stdout.write(`fair queuing, A tasks started between B's submit and B's start (backlog 300, 3 slots): ${JSON.stringify(figures)}\n`);
  }, 120_000);

  it('never gives two jobs of a tenant one tag, across producers on their own connections, and a second enqueue of a job uses none', async () => {
    const { producers, producer } = await queues({ producers: 3 });
    const ids: Record<string, string[]> = { a: [], b: [] };
    await Promise.all(
      Array.from({ length: 60 }, (_, i) => {
        const tenant = i % 3 === 0 ? 'b' : 'a';
        const id = randomUUID();
        ids[tenant]!.push(id);
        return producers[i % 3]!.enqueue(id, { tenant });
      }),
    );
    const tags = async (tenant: string) => Promise.all(ids[tenant]!.map(async (id) => (await producer.queue.getJob(id))?.opts.priority ?? 0));
    const a = await tags('a');
    const b = await tags('b');
    expect(new Set(a).size).toBe(40);
    expect(new Set(b).size).toBe(20);
    expect(Math.min(...a, ...b)).toBeGreaterThanOrEqual(1);
    expect((await producer.counts()).waiting).toBe(60);
    // A duplicate enqueue neither adds a job nor uses up a tag of its tenant: A's next job is A's last tag + 1.
    await producer.enqueue(ids['a']![0]!, { tenant: 'a' });
    const next = randomUUID();
    await producer.enqueue(next, { tenant: 'a' });
    expect((await producer.queue.getJob(next))?.opts.priority).toBe(Math.max(...a) + 1);
    expect((await producer.counts()).waiting).toBe(61);
  });

  it("runs a job Bull delivers again (after its backoff) with its own tag: ahead of its tenant's later jobs", async () => {
    const { producer, consumer } = await queues();
    const n = namer();
    for (let i = 0; i < 16; i++) await producer.enqueue(n.id(`a${i}`), { tenant: 'a' });
    const started: string[] = [];
    await consumer.consume(
      async ({ task_id, delivery }) => {
        const name = n.name(task_id);
        started.push(delivery > 1 ? `${name} again` : name);
        if (name === 'a0' && delivery === 1) throw new Error('transient');
        await new Promise((resolve) => setTimeout(resolve, 400));
      },
      { concurrency: 1 },
    );
    await waitUntil(async () => started.includes('a0 again'), { timeoutMs: 20_000 });
    await consumer.pause();
    // Bull's backoff (2 s) let a few later jobs go first; back in the queue, a0 keeps tag 1 and is next.
    const again = started.indexOf('a0 again');
    // (First in, first out it would come after a15, 16th.)
    expect(again).toBeLessThan(16);
    expect(started.slice(1, again)).toEqual(Array.from({ length: again - 1 }, (_, i) => `a${i + 1}`));
    expect((await producer.queue.getJob([...n.ids()][0]!))?.opts.priority).toBe(1);
  }, 60_000);

  it('reports the waiting jobs per tenant, largest first and bounded, and forgets tenants that caught up', async () => {
    const { producer, consumer } = await queues();
    for (let i = 0; i < 5; i++) await producer.enqueue(randomUUID(), { tenant: 'a' });
    for (let i = 0; i < 2; i++) await producer.enqueue(randomUUID(), { tenant: 'b' });
    await producer.enqueue(randomUUID(), { tenant: 'c' });
    expect(await producer.tenantBacklog()).toEqual([
      { tenant: 'a', waiting: 5 },
      { tenant: 'b', waiting: 2 },
      { tenant: 'c', waiting: 1 },
    ]);
    expect(await producer.tenantBacklog(2)).toEqual([
      { tenant: 'a', waiting: 5 },
      { tenant: 'b', waiting: 2 },
    ]);
    let done = 0;
    await consumer.consume(async () => void (done += 1), { concurrency: 2 });
    await waitUntil(async () => done === 8, { timeoutMs: 10_000 });
    expect(await producer.tenantBacklog()).toEqual([]);
    const state = await producer.queue.client.hgetall(producer.queue.toKey(FAIR_STATE_KEY));
    expect(Object.keys(state)).toEqual(['max']);
    // Off, there is no fair state to read.
    expect(await new BullTaskQueue(producer.queue, { fair: false }).tenantBacklog()).toEqual([]);
  });
});
