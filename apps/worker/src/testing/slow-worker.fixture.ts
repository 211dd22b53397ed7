/**
 * A whole worker (startWorker) with one slow agent, run as a child process by
 * worker.recovery.int.spec.ts so a test can SIGKILL or SIGTERM a real worker
 * mid-task. Settings come from the environment like the real worker's, plus
 * SLOW_AGENT_MS: how long each agent run takes (it stops early on its signal).
 * Prints `READY <worker_id>` once it consumes the queue.
 *
 * Test-only hooks (worker.durable-steps.int.spec.ts):
 * - FIXTURE_AGENT=code: the real CodeAgent (its LLM calls go to OPENAI_BASE_URL, the stub) instead of SlowAgent.
 * - HANG_AFTER_EVENT=<lifecycle event>: once the worker logs that event, the process prints
 *   `HANGING <event> <task_id>` and blocks for good (synchronously: nothing else runs, the job's lock
 *   is not renewed), so a test can SIGKILL it at a known point of the pipeline. `agent.finished` is
 *   logged after the agent checkpoint is stored and before the result is written.
 */
import { writeSync } from 'node:fs';
import type { AgentDescriptor } from '@agent-orchestrator/agents-core';
import { agentDescriptor as codeAgentDescriptor } from '@agent-orchestrator/agent-code';
import { loadWorkerConfig } from '@agent-orchestrator/config';
import { createLogger, type Logger } from '@agent-orchestrator/observability';
import { startWorker } from '../app/worker';

const slowMs = Number(process.env['SLOW_AGENT_MS'] ?? '5000');

const descriptor: AgentDescriptor = {
  name: 'SlowAgent',
  version: '1.0.0',
  agent_type: 'slow',
  description: 'Takes its time over every task; a stand-in agent for worker recovery tests.',
  create: () => ({
    name: 'SlowAgent',
    version: '1.0.0',
    run: (input, ctx) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => resolve({ output: { agent_name: 'SlowAgent', content: `done by pid ${process.pid}`, citations: [] }, usage: [], model: null }),
          slowMs,
        );
        ctx?.signal?.addEventListener('abort', () => {
          clearTimeout(timer);
          reject(new Error('aborted'));
        });
      }),
  }),
};

/** The logger, hanging the process for good right after it logs `event` (lifecycle events are logged through `log`). */
function hangingAfter(logger: Logger, event: string | undefined): Logger {
  if (!event) return logger;
  return new Proxy(logger, {
    get(target, prop) {
      if (prop === 'log') {
        return (level: string, message: string, meta?: Record<string, unknown>) => {
          const out = target.log(level, message, meta);
          if (meta?.['event'] === event) {
            writeSync(1, `HANGING ${event} ${String(meta['task_id'])}\n`);
            Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
          }
          return out;
        };
      }
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

async function main(): Promise<void> {
  const config = loadWorkerConfig(process.env);
  const logger = hangingAfter(createLogger({ service: 'worker', level: config.logLevel }), process.env['HANG_AFTER_EVENT']);
  const agent = process.env['FIXTURE_AGENT'] === 'code' ? codeAgentDescriptor : descriptor;
  const worker = await startWorker(config, logger, process.env, async () => ({ agentDescriptor: agent }));
  process.stdout.write(`READY ${worker.worker_id}\n`);
  process.once('SIGTERM', () => {
    const grace = process.env['STOP_GRACE_MS'];
    worker.stop(grace === undefined ? undefined : Number(grace)).then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}

main().catch((err: Error) => {
  process.stderr.write(`fixture failed: ${err.stack ?? err.message}\n`);
  process.exit(1);
});
