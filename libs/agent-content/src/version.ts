import { packageVersion } from '@agent-orchestrator/agents-core';

export const CONTENT_AGENT_NAME = 'ContentAgent';

let cached: string | undefined;

/** This package's version, read on first use (so importing the package does no I/O). Must stay at the top of src/. */
export function contentAgentVersion(): string {
  cached ??= packageVersion(__dirname);
  return cached;
}
