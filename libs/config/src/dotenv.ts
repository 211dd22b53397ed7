import { existsSync } from 'node:fs';
import type { Env } from './env-reader';

/**
 * Loads `.env` into process.env in development only; real deployments get
 * their environment from SSM or the container runtime.
 */
export function loadDotEnv(env: Env = process.env, file = '.env'): boolean {
  const production = (env['NODE_ENV'] ?? env['APP_ENV']) === 'production';
  if (production || !existsSync(file)) return false;
  process.loadEnvFile(file);
  return true;
}
