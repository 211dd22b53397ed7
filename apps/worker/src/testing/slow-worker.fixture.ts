/**
 * A whole worker (startWorker) with one slow agent, run as a child process by
 * worker.recovery.int.spec.ts so a test can SIGKILL or SIGTERM a real worker
 * mid-task. Settings come from the environment like the real worker's, plus
 * SLOW_AGENT_MS: how long each agent run takes (it stops early on its signal).
 * Prints `READY <worker_id>` once it consumes the queue.
 */
import type { AgentDescriptor } from '@agent-orchestrator/agents-core';
import { loadWorkerConfig } from '@agent-orchestrator/config';
import { createLogger } from '@agent-orchestrator/observability';
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

async function main(): Promise<void> {
  const config = loadWorkerConfig(process.env);
  const logger = createLogger({ service: 'worker', level: config.logLevel });
  const worker = await startWorker(config, logger, process.env, async () => ({ agentDescriptor: descriptor }));
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
