import { ConfigError, type ErrorDetail } from '@agent-orchestrator/domain';

export type Settings = Readonly<Record<string, string | undefined>>;

export interface CodeSettings {
  /** Chat model for every code task. */
  model: string;
}

export const CODE_DEFAULTS = { model: 'gpt-4o-mini' } as const;

/** Reads CodeAgent's settings from the environment; throws one ConfigError listing every invalid value. */
export function parseCodeSettings(env: Settings): CodeSettings {
  const problems: ErrorDetail[] = [];
  const model = env['LLM_CODE_MODEL']?.trim() || CODE_DEFAULTS.model;
  if (!/^\S{1,200}$/.test(model)) problems.push({ field: 'LLM_CODE_MODEL', message: `LLM_CODE_MODEL must be a model name without spaces (got "${model}")` });
  if (problems.length > 0) throw new ConfigError(`CodeAgent settings are invalid: ${problems.map((p) => p.message).join('; ')}`, problems);
  return { model };
}
