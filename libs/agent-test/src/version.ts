import { packageVersion } from '@agent-orchestrator/agents-core';

export const TEST_AGENT_NAME = 'TestAgent';

let cached: string | undefined;

/** This package's version, read on first use (so importing the package does no I/O). Must stay at the top of src/. */
export function agentVersion(): string {
  cached ??= packageVersion(__dirname);
  return cached;
}
