/**
 * The figures of the UTC day that GET /v1/system/metrics shows and the
 * worker's snapshots store, assembled in one place from the repositories'
 * day statistics so the API and the snapshots cannot disagree.
 */
import { TASK_STATUSES, usageTotals, type TaskStatus } from '@agent-orchestrator/domain';

import type { TaskDayStats, UsageDayStats, UsageFigures } from './repositories';

export interface DayFigures {
  tasks_by_status: Record<TaskStatus, number> | null;
  tasks_by_agent: { agent_name: string; agent_type: string | null; count: number }[] | null;
  latency: { count: number; avg_ms: number | null; p95_ms: number | null } | null;
  usage: UsageFigures | null;
}

/** Each part is null when its statistics could not be read. */
export function dayFigures(day: TaskDayStats | null, usage: UsageDayStats | null): DayFigures {
  return {
    tasks_by_status: day && (Object.fromEntries(TASK_STATUSES.map((s) => [s, day.created_by_status[s] ?? 0])) as Record<TaskStatus, number>),
    tasks_by_agent: day && day.created_by_agent.map((a) => ({ agent_name: a.agent_name, agent_type: a.agent_type, count: a.count })),
    latency: day && {
      count: day.latency_ms.count,
      // One decimal: whole milliseconds would hide sub-ms differences no one needs, more digits are noise.
      avg_ms: day.latency_ms.count > 0 ? Math.round((day.latency_ms.sum / day.latency_ms.count) * 10) / 10 : null,
      p95_ms: day.latency_ms.p95,
    },
    usage: usage && {
      ...usageTotals(usage),
      by_agent: usage.by_agent.map((a) => ({ agent_name: a.agent_name, ...usageTotals(a) })),
      by_model: usage.by_model.map((m) => ({ model: m.model, ...usageTotals(m) })),
    },
  };
}
