/**
 * LLM settings: which provider and model each role uses, and what both apps need
 * to price them. A role is the router (`PEER`) or an agent (`CONTENT`, `CODE`,
 * `TEST`, ...: the `LLM_<ROLE>_MODEL` its descriptor declares).
 *
 *   LLM_PROVIDER=openai                      provider of a role that names none
 *   LLM_<ROLE>_MODEL=anthropic:claude-...    the model, optionally `provider:`-prefixed
 *   LLM_<ROLE>_PROVIDER=anthropic            or the provider on its own
 *   LLM_<ROLE>_BASE_URL=http://vllm:8000/v1  this role's server (else OPENAI_/ANTHROPIC_BASE_URL)
 *   LLM_<ROLE>_STRUCTURED_OUTPUT=functionCalling   (else LLM_STRUCTURED_OUTPUT, else the provider's)
 */
import {
  DEFAULT_OUTPUT_LIMITS,
  LLM_PROVIDER_NAMES,
  STRUCTURED_OUTPUT_METHODS,
  parseModelRef,
  type LlmProviderName,
  type OutputLimitTable,
  type StructuredOutputMethod,
} from '@agent-orchestrator/domain';
import type { EnvReader } from './env-reader';

export interface LlmRoleConfig {
  provider?: LlmProviderName;
  model?: string;
  baseURL?: string;
  structuredOutput?: StructuredOutputMethod;
}

const ROLE_VARIABLE = /^LLM_([A-Z][A-Z0-9_]*?)_(MODEL|PROVIDER|BASE_URL|STRUCTURED_OUTPUT)$/;
const MODEL_NAME = /^\S{1,200}$/;

/** The router's model when LLM_PEER_MODEL is unset. */
export const DEFAULT_PEER_MODEL = 'gpt-4o-mini';

/** Every role named by an `LLM_<ROLE>_*` variable, validated. */
export function llmRoles(r: EnvReader, defaultProvider: LlmProviderName): Record<string, LlmRoleConfig> {
  const roles: Record<string, LlmRoleConfig> = {};
  for (const name of r.keys()) {
    const m = ROLE_VARIABLE.exec(name);
    if (!m || r.raw(name) === undefined) continue;
    const [, role, what] = m as unknown as [string, string, string];
    const entry = (roles[role] ??= {});
    if (what === 'PROVIDER') entry.provider = r.oneOf(name, LLM_PROVIDER_NAMES, 'openai');
    else if (what === 'BASE_URL') entry.baseURL = r.url(name, ['http:', 'https:'], false);
    else if (what === 'STRUCTURED_OUTPUT') entry.structuredOutput = r.oneOf(name, STRUCTURED_OUTPUT_METHODS, 'jsonSchema');
    else {
      const model = r.string(name);
      if (!MODEL_NAME.test(model)) r.problems.push({ field: name, message: `${name} must be a model name without spaces, optionally "provider:model" (got "${model}")` });
      entry.model = model;
    }
  }
  roles['PEER'] ??= {};
  for (const [role, entry] of Object.entries(roles)) {
    const ref = entry.model ? parseModelRef(entry.model) : null;
    if (ref?.provider && entry.provider && ref.provider !== entry.provider) {
      r.problems.push({ field: `LLM_${role}_MODEL`, message: `LLM_${role}_MODEL names the ${ref.provider} provider but LLM_${role}_PROVIDER is ${entry.provider}` });
    }
    const provider = ref?.provider ?? entry.provider ?? defaultProvider;
    if (provider !== 'openai' && !entry.model) {
      r.problems.push({ field: `LLM_${role}_MODEL`, message: `LLM_${role}_MODEL must be set: the ${role} role uses the ${provider} provider, and the built-in default models are OpenAI ones` });
    }
  }
  return roles;
}

/** `LLM_OUTPUT_LIMITS`: JSON `{"my-model": 8192}` over the built-in table. */
export function outputLimits(r: EnvReader, name = 'LLM_OUTPUT_LIMITS'): OutputLimitTable {
  const v = r.raw(name);
  if (v === undefined) return DEFAULT_OUTPUT_LIMITS;
  try {
    const parsed = JSON.parse(v) as Record<string, unknown>;
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
    for (const [model, n] of Object.entries(parsed)) {
      if (!(typeof n === 'number' && Number.isInteger(n) && n > 0)) throw new Error(`bad limit for ${model}`);
    }
    return { ...DEFAULT_OUTPUT_LIMITS, ...(parsed as Record<string, number>) };
  } catch (err) {
    r.problems.push({ field: name, message: `${name} must be JSON like {"my-model":8192} (${(err as Error).message})` });
    return DEFAULT_OUTPUT_LIMITS;
  }
}

/**
 * The models the roles are configured with (prefix stripped), for the api's pricing check:
 * LLM_PEER_MODEL (or its default) and every LLM_<ROLE>_MODEL set. An agent without its own
 * variable uses its built-in default, which is priced.
 */
export function configuredModels(r: EnvReader): string[] {
  const models = new Set<string>([parseModelRef(r.raw('LLM_PEER_MODEL') ?? DEFAULT_PEER_MODEL).model]);
  for (const name of r.keys()) {
    const m = ROLE_VARIABLE.exec(name);
    const v = r.raw(name);
    if (m?.[2] === 'MODEL' && v !== undefined) models.add(parseModelRef(v).model);
  }
  return [...models];
}
