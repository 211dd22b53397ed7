import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';

const root = join(__dirname, '..', '..', '..');

export interface AppProcess {
  name: string;
  child: ChildProcess;
  /** Everything the process wrote, stdout and stderr, for assertions and failure reports. */
  output: () => string;
  stop(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/**
 * The settings every e2e process shares: the spec's own database on the suite's MongoDB, its own Redis
 * database, loopback only, `APP_ENV=e2e`. Add a spec's own settings after it.
 */
export function e2eEnv({ dbName, redisUrl }: { dbName: string; redisUrl: string }): Record<string, string> {
  const mongoUri = process.env['MONGO_URI'];
  if (!mongoUri) throw new Error('MONGO_URI is not set: e2e specs run under the e2e jest setup, which starts MongoDB');
  return { MONGO_URI: mongoUri, MONGO_DB_NAME: dbName, REDIS_URL: redisUrl, HOST: '127.0.0.1', APP_ENV: 'e2e' };
}

/**
 * Every provider pointed at local stubs that speak its API (OpenAI for the router and ContentAgent,
 * Tavily for search), with one retry: the real SDK path runs, nothing leaves the machine.
 */
export function stubProvidersEnv({
  openaiUrl,
  tavilyUrl,
  openaiKey = 'sk-e2e-0123456789abcdef',
  tavilyKey = 'tvly-e2e-0123456789abcdef',
}: {
  openaiUrl: string;
  tavilyUrl: string;
  openaiKey?: string;
  tavilyKey?: string;
}): Record<string, string> {
  return {
    OPENAI_API_KEY: openaiKey,
    OPENAI_BASE_URL: openaiUrl,
    TAVILY_API_KEY: tavilyKey,
    TAVILY_BASE_URL: tavilyUrl,
    LLM_PEER_MODEL: 'gpt-4o-mini',
    LLM_CONTENT_MODEL: 'gpt-4o-mini',
    LLM_MAX_RETRIES: '1',
  };
}

/** Starts a built app (`apps/<name>/dist/main.js`) as a real Node process. */
export function startApp(name: 'api' | 'worker', env: Record<string, string>): AppProcess {
  const child = spawn(process.execPath, [join(root, 'apps', name, 'dist', 'main.js')], {
    cwd: root,
    env: { PATH: process.env['PATH'] ?? '', NODE_ENV: 'test', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (out += c.toString()));
  return {
    name,
    child,
    output: () => out,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        const kill = setTimeout(() => child.kill('SIGKILL'), 10_000);
        child.once('exit', () => {
          clearTimeout(kill);
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
}

export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000, intervalMs = 150): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      lastError = err;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`Timed out waiting for ${what}${lastError ? `: ${(lastError as Error).message}` : ''}`);
}
