import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Version of the package whose `src/` (or `dist/`) folder is `moduleDir`.
 * Agents call it with `__dirname` from a file at the top of `src/`, which sits
 * one level below the package root both as source and once built.
 */
export function packageVersion(moduleDir: string): string {
  const pkg = JSON.parse(readFileSync(join(moduleDir, '..', 'package.json'), 'utf8')) as { version?: unknown };
  if (typeof pkg.version !== 'string') throw new Error(`No version in ${join(moduleDir, '..', 'package.json')}`);
  return pkg.version;
}
