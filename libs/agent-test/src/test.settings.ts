import { ConfigError, type ErrorDetail } from '@agent-orchestrator/domain';

export type Settings = Readonly<Record<string, string | undefined>>;

/** The environment keys this agent reads; the registry passes it only these. */
export const TEST_SETTINGS = ['LLM_TEST_MODEL'] as const;

export interface TestAgentSettings {
  /** Chat model for every task. */
  model: string;
}

export const TEST_DEFAULTS = { model: 'gpt-4o-mini' } as const;

/** Reads TestAgent's settings; throws one ConfigError listing every invalid value. */
export function parseTestAgentSettings(env: Settings): TestAgentSettings {
  const problems: ErrorDetail[] = [];
  const model = env['LLM_TEST_MODEL']?.trim() || TEST_DEFAULTS.model;
  if (!/^\S{1,200}$/.test(model)) problems.push({ field: 'LLM_TEST_MODEL', message: `LLM_TEST_MODEL must be a model name without spaces (got "${model}")` });
  if (problems.length > 0) throw new ConfigError(`TestAgent settings are invalid: ${problems.map((p) => p.message).join('; ')}`, problems);
  return { model };
}
