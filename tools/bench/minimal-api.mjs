#!/usr/bin/env node
// The anchor of tools/bench/run.mjs: the least a `POST /v1/agent/execute` can do and still mean
// "accepted". Express, validate the body, one raw mongodb-driver insert of the task document, one
// Bull add with jobId = task id, 202. No sessions, messages, idempotency, rate limit, auth, metrics
// or logging: whatever the project's api costs above this is what those features (and any waste)
// cost.
//
//   MONGO_URI=... MONGO_DB_NAME=... REDIS_URL=... PORT=0 node tools/bench/minimal-api.mjs
//
// Prints `listening <port>` on stdout once it accepts requests; SIGTERM stops it.
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { errorMessage } from '../services/net.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
// The api's own copies of express, mongodb and bull (the same versions the project runs), resolved
// from apps/api as the running app would: runtime values, deliberately untyped here (tools are not
// compiled against the libraries' sources, and none of these is a dependency of tools).
const requireFromApi = createRequire(path.join(ROOT, 'apps/api/package.json'));
const express = requireFromApi('express');
const { MongoClient } = requireFromApi('mongodb');
const Queue = requireFromApi('bull');

const { MONGO_URI, MONGO_DB_NAME = 'ao_bench_minimal', REDIS_URL, PORT = '0', HOST = '127.0.0.1' } = process.env;
if (!MONGO_URI || !REDIS_URL) throw new Error('MONGO_URI and REDIS_URL are required');

const TASK_MAX_LENGTH = 20_000;
const SESSION_ID = /^[A-Za-z0-9_-]{1,128}$/;

const client = await MongoClient.connect(MONGO_URI, { serverSelectionTimeoutMS: 5000 });
const tasks = client.db(MONGO_DB_NAME).collection('tasks');
await tasks.createIndex({ task_id: 1 }, { unique: true });
// The same Bull settings as the project's producer (libs/messaging createTaskQueue, failFast).
const queue = new Queue('agent_tasks', REDIS_URL, {
  redis: { connectTimeout: 5000, enableOfflineQueue: false, maxRetriesPerRequest: 1 },
  defaultJobOptions: { attempts: 3, backoff: { type: 'exponential', delay: 2000 }, removeOnComplete: 1000, removeOnFail: 5000 },
});
await queue.isReady();

const app = express();
app.disable('x-powered-by');
app.post('/v1/agent/execute', express.json({ limit: 4 * TASK_MAX_LENGTH + 4096 }), async (req, res) => {
  const body = req.body;
  const text = typeof body?.task === 'string' ? body.task.trim() : null;
  if (
    !text ||
    [...text].length > TASK_MAX_LENGTH ||
    (body.session_id !== undefined && !(typeof body.session_id === 'string' && SESSION_ID.test(body.session_id)))
  ) {
    res.status(400).json({ error: { type: 'VALIDATION_ERROR', message: 'invalid body' } });
    return;
  }
  const now = new Date();
  const task_id = randomUUID();
  const doc = {
    task_id,
    session_id: body.session_id ?? randomUUID(),
    task: text,
    status: 'queued',
    created_at: now,
    queued_at: now,
    started_at: null,
    completed_at: null,
    updated_at: now,
    metadata: { ip: req.ip ?? null, user_agent: req.get('user-agent') ?? null, request_id: randomUUID(), environment: 'bench' },
    selected_agent: null,
    agent_type: null,
    agent_version: null,
    peer_routing_reason: null,
    confidence: null,
    result: null,
    error: null,
    usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0, cost_usd: 0, by_model: [] },
    attempts: 0,
    cancel_requested_at: null,
    budget: null,
    retries: [],
    latency_ms: null,
    finished_day: null,
  };
  try {
    await tasks.insertOne(doc);
    await queue.add('process_task', { task_id }, { jobId: task_id });
  } catch (err) {
    res.status(503).json({ error: { type: 'SERVICE_UNAVAILABLE', message: errorMessage(err) } });
    return;
  }
  res.status(202).location(`/v1/tasks/${task_id}`).json({ task_id, session_id: doc.session_id, status: 'queued', queued_at: now.toISOString() });
});

const server = app.listen(Number(PORT), HOST, () => {
  // Listening on a TCP host and port, so address() is an AddressInfo (a string only for pipes).
  const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
  process.stdout.write(`listening ${port}\n`);
});
const stop = async () => {
  server.close();
  await Promise.allSettled([queue.close(), client.close()]);
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
