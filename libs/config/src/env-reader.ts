/**
 * Typed reads of an env map that collect every problem instead of stopping at the first, so one
 * boot error (ConfigError) lists all that is wrong. Shared by the api and worker settings.
 */
import { ConfigError, DEFAULT_PRICE_TABLE, type ErrorDetail, type ModelPrice, type PriceTable } from '@agent-orchestrator/domain';

export type Env = Readonly<Record<string, string | undefined>>;

/**
 * Reads typed values from an env map, collecting every problem instead of
 * stopping at the first, so one boot error lists all that is wrong.
 */
export class EnvReader {
  readonly problems: ErrorDetail[] = [];
  constructor(private readonly env: Env) {}

  /** Names of every variable in the env map. */
  keys(): string[] {
    return Object.keys(this.env);
  }

  raw(name: string): string | undefined {
    const v = this.env[name]?.trim();
    return v === '' ? undefined : v;
  }

  string(name: string, fallback?: string): string {
    const v = this.raw(name) ?? fallback;
    if (v === undefined) {
      this.problems.push({ field: name, message: `${name} is required` });
      return '';
    }
    return v;
  }

  int(name: string, fallback: number, min: number, max: number): number {
    const v = this.raw(name);
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max) {
      this.problems.push({ field: name, message: `${name} must be an integer from ${min} to ${max} (got "${v}")` });
      return fallback;
    }
    return n;
  }

  number(name: string, fallback: number, min: number, max: number): number {
    const v = this.raw(name);
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!Number.isFinite(n) || n < min || n > max) {
      this.problems.push({ field: name, message: `${name} must be a number from ${min} to ${max} (got "${v}")` });
      return fallback;
    }
    return n;
  }

  bool(name: string, fallback: boolean): boolean {
    const v = this.raw(name)?.toLowerCase();
    if (v === undefined) return fallback;
    if (v === 'true' || v === '1') return true;
    if (v === 'false' || v === '0') return false;
    this.problems.push({ field: name, message: `${name} must be true or false (got "${v}")` });
    return fallback;
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const v = this.raw(name);
    if (v === undefined) return fallback;
    if (!(allowed as readonly string[]).includes(v)) {
      this.problems.push({ field: name, message: `${name} must be one of ${allowed.join(', ')} (got "${v}")` });
      return fallback;
    }
    return v as T;
  }

  url(name: string, protocols: readonly string[], required: boolean): string | undefined {
    const v = this.raw(name);
    if (v === undefined) {
      if (required) this.problems.push({ field: name, message: `${name} is required` });
      return undefined;
    }
    try {
      const u = new URL(v);
      if (!protocols.includes(u.protocol)) throw new Error('protocol');
    } catch {
      this.problems.push({ field: name, message: `${name} must be a ${protocols.join(' or ')} URL` });
    }
    return v;
  }

  list(name: string, fallback: string[]): string[] {
    const v = this.raw(name);
    if (v === undefined) return fallback;
    return v
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  }

  prices(name: string): PriceTable {
    const v = this.raw(name);
    if (v === undefined) return DEFAULT_PRICE_TABLE;
    try {
      const parsed = JSON.parse(v) as Record<string, ModelPrice>;
      for (const [model, p] of Object.entries(parsed)) {
        if (!(p && Number.isFinite(p.input_per_million) && Number.isFinite(p.output_per_million) && p.input_per_million >= 0 && p.output_per_million >= 0)) {
          throw new Error(`bad price for ${model}`);
        }
      }
      return { ...DEFAULT_PRICE_TABLE, ...parsed };
    } catch (err) {
      this.problems.push({
        field: name,
        message: `${name} must be JSON like {"gpt-4o-mini":{"input_per_million":0.15,"output_per_million":0.6}} (${(err as Error).message})`,
      });
      return DEFAULT_PRICE_TABLE;
    }
  }

  done<T>(value: T, app: string): T {
    if (this.problems.length > 0) {
      const lines = this.problems.map((p) => `  - ${p.message}`).join('\n');
      throw new ConfigError(`Invalid configuration for ${app}:\n${lines}\nSee .env.example for every setting.`, this.problems);
    }
    return value;
  }
}
