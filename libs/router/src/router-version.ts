import { packageVersion } from '@agent-orchestrator/agents-core';

/**
 * Version of this package, stored on every router run so a routing decision can
 * be traced to the prompt and rules that made it. Lives at the top of `src/`
 * because `packageVersion` looks one folder up for `package.json`.
 */
export const ROUTER_VERSION: string = packageVersion(__dirname);
