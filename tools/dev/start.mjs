// `npm start`: builds the apps, starts MongoDB-compatible and Redis servers
// when MONGO_URI / REDIS_URL are not set (data kept under .data/ so a restart
// keeps the tasks), then runs the api and the worker until Ctrl-C.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startMongo } from '../services/mongo.mjs';
import { stopChild } from '../services/proc.mjs';
import { startRedis } from '../services/redis.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const say = (/** @type {string} */ msg) => process.stderr.write(`[start] ${msg}\n`);

say('building api and worker');
const build = spawnSync('npx', ['nx', 'run-many', '-t', 'build', '-p', 'api', 'worker', '--outputStyle=static'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, NX_NO_CLOUD: 'true' } });
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

const children = ['api', 'worker'].map((app) => {
  const child = spawn(process.execPath, [join(root, 'apps', app, 'dist', 'main.js')], { cwd: root, env, stdio: ['ignore', 'inherit', 'inherit'] });
  child.on('exit', (code, signal) => {
    if (!stopping) {
      say(`${app} exited (${signal ?? code}); stopping`);
      void stop(code ?? 1);
    }
  });
  return child;
});
say(`API: http://localhost:${port}  (POST /v1/agent/execute, GET /v1/tasks/{id})`);
if (!process.env.OPENAI_API_KEY && !process.env.OPENAI_BASE_URL) {
  say('OPENAI_API_KEY is not set: tasks will be accepted but fail with LLM_NOT_CONFIGURED.');
}

let stopping = false;
async function stop(code = 0) {
  if (stopping) return;
  stopping = true;
  await Promise.all(children.map((c) => stopChild(c, 15_000)));
  await Promise.allSettled([mongo.stop(), redis.stop()]);
  process.exit(code);
}
process.on('SIGINT', () => void stop(0));
process.on('SIGTERM', () => void stop(0));
