/**
 * The repair path of the running counters (`task_counters`), run by the worker image's command
 * `node dist/rebuild-counters.js [YYYY-MM-DD ...]`: recomputes the given UTC days from
 * `tasks` and `agent_runs` (the aggregations GET /v1/system/metrics used to run) and replaces each
 * day's counter document. For drift (a process that died between a status move and its increment,
 * a write that failed, FerretDB's non-atomic updates across processes) and for tasks stored past the
 * api and the worker (imports, the benchmark's seeding).
 */
import type { TaskCounterRepository } from '@agent-orchestrator/persistence';

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** The days named on the command line (`YYYY-MM-DD`, UTC), or today when none is. @throws Error naming a bad argument */
export function parseDays(args: readonly string[], now: Date): Date[] {
  if (args.length === 0) return [now];
  return args.map((arg) => {
    const day = DAY.test(arg) ? new Date(`${arg}T12:00:00.000Z`) : null;
    if (!day || Number.isNaN(day.getTime()) || day.toISOString().slice(0, 10) !== arg) throw new Error(`not a day (YYYY-MM-DD): ${arg}`);
    return day;
  });
}

/** Rebuilds each day in turn; returns one line per day for the operator. */
export async function rebuildCounters(
  counters: Pick<TaskCounterRepository, 'rebuildDay'>,
  days: readonly Date[],
  options: { maxTimeMs?: number } = {},
): Promise<string[]> {
  const lines: string[] = [];
  for (const day of days) {
    const { tasks, usage } = await counters.rebuildDay(day, options);
    const created = Object.values(tasks.created_by_status).reduce((a, b) => a + b, 0);
    lines.push(`${day.toISOString().slice(0, 10)}: ${created} tasks created, ${tasks.latency_ms.count} finished, ${usage.total_tokens} tokens`);
  }
  return lines;
}
