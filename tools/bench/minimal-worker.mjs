#!/usr/bin/env node
// The worker's anchor in tools/bench/run.mjs: the least a worker can do with the libraries the
// project must use and still do a task's work. It takes jobs from Bull (the same queue and settings
// as minimal-api.mjs's), claims the task with one raw driver findOneAndUpdate, routes it with a
// two-node LangGraph graph whose first node asks ChatOpenAI for a structured route decision, runs
// the chosen work with ChatOpenAI (code: one structured answer; content: one @tavily/core search,
// then a streamed answer, as the project's agents do with run.mjs's short tasks), and stores the
// result with one raw driver updateOne. The provider calls are the project's (same stub answers,
// same count per task); nothing else is: no run records, messages, checkpoints, counters, events,
// live stream, webhooks, cancel watch, budgets, retries, logs or metrics. Whatever the project's
// worker costs per task above this is what those features (and any waste) cost.
//
//   MONGO_URI=... MONGO_DB_NAME=... REDIS_URL=... OPENAI_BASE_URL=... TAVILY_BASE_URL=... \
//   WORKER_CONCURRENCY=32 node tools/bench/minimal-worker.mjs
//
// Prints `ready` on stdout once it takes jobs; SIGTERM stops it.
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
// The same copies the project's worker and agents load (runtime values, untyped here: tools are not
// compiled against the libraries' sources, and none of these is a dependency of tools).
const requireFromWorker = createRequire(path.join(ROOT, 'apps/worker/package.json'));
const requireFromAgents = createRequire(path.join(ROOT, 'libs/agents-core/package.json'));
const Queue = requireFromWorker('bull');
const { MongoClient } = requireFromWorker('mongodb');
const { Annotation, END, START, StateGraph } = requireFromWorker('@langchain/langgraph');
const { tavily } = requireFromWorker('@tavily/core');
const { z } = requireFromWorker('zod');
const { ChatOpenAI } = requireFromAgents('@langchain/openai');
const { HumanMessage, SystemMessage } = requireFromAgents('@langchain/core/messages');

const env = process.env;
for (const name of ['MONGO_URI', 'REDIS_URL', 'OPENAI_BASE_URL', 'TAVILY_BASE_URL']) {
  if (!env[name]) throw new Error(`${name} is required`);
}
const concurrency = Number(env.WORKER_CONCURRENCY ?? '32');
if (!Number.isInteger(concurrency) || concurrency < 1) throw new Error(`WORKER_CONCURRENCY must be a positive integer, got ${env.WORKER_CONCURRENCY}`);

const chat = new ChatOpenAI({
  model: 'gpt-4o-mini',
  temperature: 0,
  apiKey: env.OPENAI_API_KEY ?? 'not-needed',
  configuration: { baseURL: env.OPENAI_BASE_URL },
  timeout: 60_000,
  maxRetries: 0,
  useResponsesApi: false,
});
const search = tavily({ apiKey: env.TAVILY_API_KEY ?? 'tvly-not-needed', apiBaseURL: env.TAVILY_BASE_URL });

// The project's schema names (the stub answers by them).
const routeDecision = chat.withStructuredOutput(z.object({ agent_name: z.string(), confidence: z.number(), reasoning: z.string() }), { name: 'route_decision', method: 'jsonSchema' });
const codeAnswer = chat.withStructuredOutput(
  z.object({ language: z.string(), mode: z.enum(['generate', 'explain', 'refactor']), summary: z.string(), content: z.string() }),
  { name: 'code_answer', method: 'jsonSchema' },
);

const State = Annotation.Root({
  task: Annotation(),
  proposal: Annotation(),
  agent: Annotation(),
});
const router = new StateGraph(State)
  .addNode('classify_task', async (state) => ({
    proposal: await routeDecision.invoke([new SystemMessage('Route the task to CodeAgent or ContentAgent.'), new HumanMessage(state.task)]),
  }))
  .addNode('route_to_agent', (state) => ({ agent: state.proposal.confidence >= 0.6 ? state.proposal.agent_name : null }))
  .addEdge(START, 'classify_task')
  .addEdge('classify_task', 'route_to_agent')
  .addEdge('route_to_agent', END)
  .compile();

async function runAgent(agent, task) {
  if (agent === 'CodeAgent') {
    const answer = await codeAnswer.invoke([new SystemMessage('You write code. Never run it.'), new HumanMessage(task)]);
    return { summary: answer.summary, content: answer.content, citations: [] };
  }
  // Like the project's ContentAgent with a short task in a new session (run.mjs's): the task is the
  // query; a long or follow-up task would first ask the model for queries (one more call).
  const found = await search.search(task, { maxResults: 5 });
  const sources = found.results.map((r, i) => `[${i + 1}] ${r.title}: ${r.content}`).join('\n');
  let text = '';
  for await (const chunk of await chat.stream([new SystemMessage(`Write with citations.\n${sources}`), new HumanMessage(task)])) {
    text += typeof chunk.content === 'string' ? chunk.content : '';
  }
  return { summary: text.slice(0, 200), content: text, citations: found.results.map((r) => r.url) };
}

const client = await MongoClient.connect(env.MONGO_URI, { serverSelectionTimeoutMS: 5000 });
const tasks = client.db(env.MONGO_DB_NAME ?? 'ao_bench_minimal').collection('tasks');
const queue = new Queue('agent_tasks', env.REDIS_URL, { redis: { connectTimeout: 5000, maxRetriesPerRequest: null } });
await queue.isReady();

queue.process('process_task', concurrency, async (job) => {
  const { task_id } = job.data;
  const claimed = await tasks.findOneAndUpdate(
    { task_id, status: 'queued' },
    { $set: { status: 'processing', started_at: new Date(), updated_at: new Date() }, $inc: { attempts: 1 } },
    { returnDocument: 'after' },
  );
  if (!claimed) return;
  const { agent } = await router.invoke({ task: claimed.task });
  const now = () => new Date();
  if (!agent) {
    await tasks.updateOne({ task_id }, { $set: { status: 'failed', error: { type: 'UNKNOWN_TASK_TYPE', message: 'no agent' }, completed_at: now(), updated_at: now() } });
    return;
  }
  const result = await runAgent(agent, claimed.task);
  const at = now();
  await tasks.updateOne({ task_id, status: 'processing' }, { $set: { status: 'completed', selected_agent: agent, result, completed_at: at, updated_at: at } });
});
process.stdout.write('ready\n');

const stop = async () => {
  await queue.close().catch(() => undefined);
  await client.close().catch(() => undefined);
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
