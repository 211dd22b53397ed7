// Jest globalSetup for projects whose tests need MongoDB and Redis.
// Uses MONGO_URI / REDIS_URL when set; otherwise starts local servers through
// tools/services (a MongoDB-compatible server and redis-server on free ports)
// and exports their URLs to the test workers. Stopped in services-teardown.mjs.
import { startMongo } from '../services/mongo.mjs';
import { startRedis } from '../services/redis.mjs';

export default async function setup() {
  const quiet = (/** @type {string} */ msg) => process.env.DEBUG_SERVICES && process.stderr.write(`${msg}\n`);
  const [mongo, redis] = await Promise.all([startMongo({ log: quiet }), startRedis({ log: quiet })]);
  // AO_QUERY_SHAPES_DIR (libs/persistence/src/testing/query-shapes.jest-setup.ts): the driver
  // reports each command it sends.
  process.env.MONGO_URI = process.env.AO_QUERY_SHAPES_DIR ? withCommandMonitoring(mongo.uri) : mongo.uri;
  process.env.REDIS_URL = redis.url;
  /** @type {import('./services-teardown.mjs').ServicesGlobal} */ (globalThis).__AO_SERVICES__ = [mongo, redis];
}

/** @param {string} uri */
function withCommandMonitoring(uri) {
  // As libs/persistence/src/testing/query-recorder.ts; not `new URL`, which rejects multi-host strings.
  const q = uri.indexOf('?');
  const params = new URLSearchParams(q < 0 ? '' : uri.slice(q + 1));
  params.set('monitorCommands', 'true');
  return `${q < 0 ? uri : uri.slice(0, q)}?${params}`;
}
