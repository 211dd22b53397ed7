import { createLogger, type Logger } from '@agent-orchestrator/observability';
import type { CommonConfig } from './common.config';
import { loadDotEnv } from './dotenv';
import type { Env } from './env-reader';
import { loadSsmParameters, type MutableEnv, type SsmClientLike, type SsmLoadResult } from './ssm';

/** Where the settings came from, names only (never values). */
export interface EnvironmentSources {
  /** `.env` was read (development only). */
  dotEnv: boolean;
  /** Set when SSM_PARAMETER_PATH was. */
  ssm?: SsmLoadResult;
}

export interface LoadEnvironmentOptions {
  /** Default `process.env`; the loaders read it and SSM values are written into it. */
  env?: MutableEnv;
  /** Default `.env` in the working directory. */
  dotEnvFile?: string;
  /** Default: an SSMClient (tests pass a fake). */
  ssmClient?: SsmClientLike;
  /** Logger without output (tests). */
  silent?: boolean;
}

export interface LoadedEnvironment<C> {
  config: C;
  logger: Logger;
  sources: EnvironmentSources;
}

/**
 * The boot step both apps share, in this order:
 * 1. `.env` in development (never when NODE_ENV/APP_ENV is production); it never overrides a variable already set;
 * 2. when SSM_PARAMETER_PATH is set, every parameter under it (see `loadSsmParameters`), for variables not set yet;
 * 3. `load` validates the result (`loadApiConfig` / `loadWorkerConfig`);
 * then a logger at the configured level, which records where the settings came from (names only).
 *
 * Throws a ConfigError when the settings are invalid or SSM cannot be read.
 */
export async function loadEnvironment<C extends CommonConfig>(service: string, load: (env: Env) => C, options: LoadEnvironmentOptions = {}): Promise<LoadedEnvironment<C>> {
  const env = options.env ?? process.env;
  const dotEnv = loadDotEnv(env, options.dotEnvFile);
  const path = env['SSM_PARAMETER_PATH']?.trim();
  const ssm = path ? await loadSsmParameters({ path, env, client: options.ssmClient }) : undefined;
  const config = load(env);
  const logger = createLogger({ service, level: config.logLevel, silent: options.silent });
  const sources: EnvironmentSources = { dotEnv, ...(ssm ? { ssm } : {}) };
  logEnvironmentSources(logger, sources);
  return { config, logger, sources };
}

/** Count at info, names at debug, skipped parameter names as a warning; values never. */
export function logEnvironmentSources(logger: Pick<Logger, 'info' | 'debug' | 'warn'>, sources: EnvironmentSources): void {
  const { ssm } = sources;
  if (!ssm) return;
  logger.info('settings loaded from SSM Parameter Store', { ssm_path: ssm.path, count: ssm.loaded.length, kept_from_environment: ssm.overridden.length });
  logger.debug('settings loaded from SSM Parameter Store: names', { ssm_path: ssm.path, names: ssm.loaded, kept_from_environment: ssm.overridden });
  if (ssm.ignored.length > 0) {
    logger.warn('SSM parameters ignored: their last path segment is not an environment variable name (A-Z, 0-9, _) or is reserved (AWS_*, SSM_PARAMETER_PATH, NODE_OPTIONS)', {
      ssm_path: ssm.path,
      parameters: ssm.ignored,
    });
  }
}
