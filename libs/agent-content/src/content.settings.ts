import { ConfigError, type ErrorDetail } from '@agent-orchestrator/domain';

export type Settings = Readonly<Record<string, string | undefined>>;

export interface TavilySettings {
  /** Undefined when `TAVILY_BASE_URL` points at a server that needs no key (a proxy, a stub). */
  apiKey: string | undefined;
  /** Without a trailing slash; undefined means Tavily's public API. */
  baseURL: string | undefined;
  /** Results asked for per query. */
  maxResults: number;
  /** Per-request timeout. */
  timeoutMs: number;
}

export interface ContentSettings {
  /** Chat model for query planning and writing. */
  model: string;
  /** Null when web search is not configured: the agent still boots, but every task fails with SEARCH_ERROR. */
  search: TavilySettings | null;
}

export const CONTENT_DEFAULTS = { model: 'gpt-4o-mini', maxResults: 5, timeoutMs: 15_000 } as const;

const raw = (env: Settings, name: string): string | undefined => {
  const v = env[name]?.trim();
  return v ? v : undefined;
};

function int(env: Settings, name: string, fallback: number, min: number, max: number, problems: ErrorDetail[]): number {
  const v = raw(env, name);
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) {
    problems.push({ field: name, message: `${name} must be an integer from ${min} to ${max} (got "${v}")` });
    return fallback;
  }
  return n;
}

function modelName(env: Settings, name: string, fallback: string, problems: ErrorDetail[]): string {
  const v = raw(env, name) ?? fallback;
  if (!/^\S{1,200}$/.test(v)) problems.push({ field: name, message: `${name} must be a model name without spaces (got "${v}")` });
  return v;
}

function baseUrl(env: Settings, name: string, problems: ErrorDetail[]): string | undefined {
  const v = raw(env, name);
  if (v === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(v);
  } catch {
    // The value is not echoed: a URL may carry credentials.
    problems.push({ field: name, message: `${name} must be an http(s) URL` });
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    problems.push({ field: name, message: `${name} must be an http(s) URL` });
    return undefined;
  }
  // The SDK appends "/search" to the base as a string.
  return v.replace(/\/+$/, '');
}

/**
 * Reads ContentAgent's settings from the environment and throws one
 * ConfigError listing every invalid value. A missing TAVILY_API_KEY is not an
 * error: OpenAI-only setups must still boot (see README, "Without web search").
 */
export function parseContentSettings(env: Settings): ContentSettings {
  const problems: ErrorDetail[] = [];
  const model = modelName(env, 'LLM_CONTENT_MODEL', CONTENT_DEFAULTS.model, problems);
  const apiKey = raw(env, 'TAVILY_API_KEY');
  const baseURL = baseUrl(env, 'TAVILY_BASE_URL', problems);
  const maxResults = int(env, 'TAVILY_MAX_RESULTS', CONTENT_DEFAULTS.maxResults, 1, 10, problems);
  const timeoutMs = int(env, 'TAVILY_TIMEOUT_MS', CONTENT_DEFAULTS.timeoutMs, 100, 120_000, problems);
  if (problems.length > 0) {
    throw new ConfigError(`ContentAgent settings are invalid: ${problems.map((p) => p.message).join('; ')}`, problems);
  }
  const configured = apiKey !== undefined || baseURL !== undefined;
  return { model, search: configured ? { apiKey, baseURL, maxResults, timeoutMs } : null };
}
