// Integration test: needs MongoDB (or FerretDB) at MONGO_URI, provided by the Jest globalSetup.
import { randomUUID } from 'node:crypto';

import type { AgentRun } from '@agent-orchestrator/domain';

import { LATENCY_P95_MAX_RELATIVE_ERROR } from '../counters/latency-buckets';
import type { TaskCounterRepository } from '../task-counters';
import { makeTask, useTestDatabase } from '../testing/mongo-test-env';

const db = useTestDatabase();
let counters: TaskCounterRepository;
beforeAll(() => {
  counters = db.store.repositories.taskCounters;
});

const DAY = new Date(Date.UTC(2031, 2, 4));
const at = (h: number, m = 0) => new Date(DAY.getTime() + (h * 60 + m) * 60_000);
const day = '2031-03-04';

describe('TaskCounterRepository (task_counters)', () => {
  it('adds increments with one upsert per document, and loses none when many run at once', async () => {
    // 200 concurrent increments of the same day and minute: coalesced, so even FerretDB (read-then-write updates) keeps them all.
    await Promise.all(
      Array.from({ length: 200 }, (_, i) => counters.increment([{ day, at: at(10, 1), status: { queued: 1 }, latency: { ms: 100 + i, count: 1 } }])),
    );
    await counters.increment([
      { day, at: at(10, 2), status: { queued: -50, processing: 50 }, agents: [{ agent_name: 'Code.Agent', agent_type: 'code', count: 3 }] },
    ]);
    const read = await counters.day(at(23));
    expect(read.tasks.created_by_status).toEqual({ queued: 150, processing: 50, completed: 0, failed: 0, cancelled: 0 });
    expect(read.tasks.created_by_agent).toEqual([{ agent_name: 'Code.Agent', agent_type: 'code', count: 3 }]);
    expect(read.tasks.latency_ms.count).toBe(200);
    expect(read.tasks.latency_ms.sum).toBe(Array.from({ length: 200 }, (_, i) => 100 + i).reduce((a, b) => a + b, 0));
    // Exact nearest-rank p95 of 100..299 is 289.
    expect(Math.abs(read.tasks.latency_ms.p95! - 289) / 289).toBeLessThanOrEqual(LATENCY_P95_MAX_RELATIVE_ERROR);

    const raw = db.raw.collection('task_counters');
    // The day's extremes by $max / $min (the p95 reading is bounded by them), not summed.
    expect(await raw.findOne({ _id: `day:${day}` as never })).toMatchObject({ latency: { max_ms: 299, min_ms: 100 } });
    expect(read.tasks.latency_ms.p95).toBeLessThanOrEqual(299);
    expect(await raw.countDocuments({ day })).toBe(3); // the day, minutes 10:01 and 10:02
    expect(await raw.findOne({ _id: `min:${day}T10:01` as never })).toMatchObject({ day, minute_start: at(10, 1), status: { queued: 200 } });
  });

  it("writes the documents of concurrent increments in one bulk write; a failed write fails the increments in it, not the next ones", async () => {
    const raw = db.raw.collection('task_counters');
    // A day document whose `status` is not an object: an $inc of `status.queued` fails there.
    await raw.insertOne({ _id: 'day:2031-04-01' as never, day: '2031-04-01', status: 'broken' });
    const good = { day: '2031-04-02', at: new Date(Date.UTC(2031, 3, 2, 9)), status: { queued: 1 } };
    const bad = { day: '2031-04-01', at: new Date(Date.UTC(2031, 3, 1, 9)), status: { queued: 1 } };
    // Started in one turn: one write. Which of its documents were written is not known, so each caller hears of the failure.
    const together = await Promise.allSettled([counters.increment([good]), counters.increment([bad])]);
    expect(together.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    // The next write goes on without the broken document.
    await counters.increment([good]);
    await counters.increment([{ ...good, at: new Date(Date.UTC(2031, 3, 2, 10)) }]);
    expect((await raw.findOne({ _id: 'min:2031-04-02T10:00' as never }))?.['status']).toEqual({ queued: 1 });
    expect(await raw.findOne({ _id: 'day:2031-04-01' as never })).toMatchObject({ status: 'broken' });
  });

  it('gives the history per minute with the queue samples, and purges minutes but not days', async () => {
    await counters.recordQueue(at(10, 2), { waiting: 7, active: 2, delayed: 0, failed: 1, completed: 9, paused: 0 });
    await counters.recordQueue(at(11, 0), { waiting: 1, active: 0, delayed: 0, failed: 0, completed: 0, paused: 0 });
    const points = await counters.history({ from: at(10, 2), to: at(12), limit: 100 });
    expect(points.map((p) => p.interval_start)).toEqual([at(10, 2), at(11, 0)]);
    expect(points[0]).toMatchObject({ queue: { waiting: 7, failed: 1 }, tasks_by_status: { queued: 150, processing: 50 }, latency: { count: 200 } });
    expect(points[1]).toMatchObject({ queue: { waiting: 1 }, tasks_by_status: { queued: 150 } });

    expect(await counters.deleteMinutesBefore(at(10, 30))).toBe(2);
    expect(await counters.history({ from: at(0), to: at(12), limit: 100 })).toHaveLength(1);
    expect((await counters.day(at(12))).tasks.created_by_status.queued).toBe(150);
  });

  it('rebuilds a day from the tasks and runs: what the old aggregations give', async () => {
    const { tasks, agentRuns } = db.store.repositories;
    const rebuildDay = new Date(Date.UTC(2031, 2, 5, 12));
    const created = (h: number) => new Date(Date.UTC(2031, 2, 5, h));
    const routing = (agent: string, type: string) => ({
      selected_agent: agent,
      agent_type: type,
      agent_version: '1',
      peer_routing_reason: 'r',
      confidence: 0.9,
    });
    const result = { summary: null, raw_output: 'ok', code_language: null, citations: [] };
    const usage = { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0, cost_usd: 0, by_model: [] };
    for (let i = 0; i < 12; i++) {
      const t = await tasks.create(makeTask({ created_at: created(1), queued_at: created(1), updated_at: created(1) }));
      if (i === 11) continue; // stays queued
      await tasks.markProcessing(t.task_id, created(2));
      await tasks.recordRouting(t.task_id, i % 3 ? routing('CodeAgent', 'code') : routing('ContentAgent', 'content'), created(2));
      if (i === 10) continue; // stays processing
      if (i % 4 === 0) await tasks.fail(t.task_id, { error: { type: 'LLM_ERROR', message: 'x' } }, new Date(created(1).getTime() + 1000 * (i + 1)));
      else await tasks.complete(t.task_id, { result, usage }, new Date(created(1).getTime() + 60_000 * (i + 1)));
    }
    const run: AgentRun = {
      run_id: randomUUID(),
      task_id: randomUUID(),
      session_id: 's',
      kind: 'router',
      agent_name: 'PeerAgent',
      agent_version: '1',
      model: 'gpt-4o-mini',
      attempt: 1,
      input: 'x',
      output: 'y',
      outcome: 'success',
      error: null,
      usage: [{ model: 'gpt-4o-mini', prompt_tokens: 10, completion_tokens: 5, total_tokens: 15, cost_usd: 0.001 }],
      prompt_tokens: 10,
      completion_tokens: 5,
      total_tokens: 15,
      cost_usd: 0.001,
      started_at: created(3),
      finished_at: created(3),
      duration_ms: 1,
    };
    await agentRuns.record(run);
    // Counters that drifted (a process died between a move and its increment): the rebuild replaces them.
    await counters.increment([{ day: '2031-03-05', at: created(4), status: { failed: 40 } }]);

    const [aggregated, usageAggregated] = await Promise.all([tasks.dayStats(rebuildDay), agentRuns.usageDayStats(rebuildDay)]);
    const rebuilt = await counters.rebuildDay(rebuildDay);
    const read = await counters.day(rebuildDay);
    expect(read).toEqual(rebuilt);
    expect(read.tasks.created_by_status).toEqual(aggregated.created_by_status);
    expect(read.tasks.created_by_status).toEqual({ queued: 1, processing: 1, completed: 7, failed: 3, cancelled: 0 });
    expect(read.tasks.created_by_agent).toEqual(aggregated.created_by_agent);
    expect(read.tasks.latency_ms.count).toBe(aggregated.latency_ms.count);
    expect(read.tasks.latency_ms.sum).toBe(aggregated.latency_ms.sum);
    expect(Math.abs(read.tasks.latency_ms.p95! - aggregated.latency_ms.p95!) / aggregated.latency_ms.p95!).toBeLessThanOrEqual(LATENCY_P95_MAX_RELATIVE_ERROR);
    expect(read.usage).toEqual(usageAggregated);
  });
});
