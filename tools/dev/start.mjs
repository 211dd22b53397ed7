// `npm start`: builds the apps, starts MongoDB-compatible and Redis servers
// when MONGO_URI / REDIS_URL are not set (data kept under .data/ so a restart
// keeps the tasks), then runs the api and the worker until Ctrl-C.
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startMongo } from '../services/mongo.mjs';
import { startRedis } from '../services/redis.mjs';
import { superviseApps } from './apps.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const say = (/** @type {string} */ msg) => process.stderr.write(`[start] ${msg}\n`);

say('building api and worker');
const build = spawnSync('npx', ['nx', 'run-many', '-t', 'build', '-p', 'api', 'worker', '--outputStyle=static'], {
  cwd: root,
  stdio: ['ignore', 'ignore', 'inherit'],
  env: { ...process.env, NX_NO_CLOUD: 'true' },
});
if (build.status !== 0) {
  say('build failed');
  process.exit(build.status ?? 1);
}

const dataDir = process.env.AO_DATA_DIR ?? join(root, '.data');
mkdirSync(join(dataDir, 'mongo'), { recursive: true });
mkdirSync(join(dataDir, 'redis'), { recursive: true });
const mongo = await startMongo({ dataDir: join(dataDir, 'mongo'), log: (m) => say(m) });
const redis = await startRedis({ dataDir: join(dataDir, 'redis'), log: (m) => say(m) });
const port = process.env.PORT ?? '3000';
const env = { ...process.env, MONGO_URI: mongo.uri, REDIS_URL: redis.url, PORT: port };

superviseApps({
  root,
  apps: ['api', 'worker'],
  env,
  say,
  cleanup: async () => {
    await Promise.allSettled([mongo.stop(), redis.stop()]);
  },
});
say(`API: http://localhost:${port}  (POST /v1/agent/execute, GET /v1/tasks/{id})`);
// The default provider's key (roles may name another with LLM_<ROLE>_PROVIDER; the worker checks each at boot).
const provider = (process.env.LLM_PROVIDER ?? 'openai').trim().toLowerCase();
const providerKey = { openai: 'OPENAI_API_KEY', anthropic: 'ANTHROPIC_API_KEY' }[provider];
const keyed = provider === 'openai' ? process.env.OPENAI_API_KEY || process.env.OPENAI_BASE_URL : providerKey && process.env[providerKey];
if (!keyed) {
  say(`${providerKey ?? `a key for LLM_PROVIDER=${provider}`} is not set: tasks will be accepted but fail with LLM_NOT_CONFIGURED.`);
}
