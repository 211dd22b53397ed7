#!/usr/bin/env node
// Offline LLM and search providers, to try the whole system without API keys: the OpenAI- and
// Tavily-compatible HTTP stubs the tests use (libs/agents-core and libs/agent-content `testing`),
// with canned answers. The router sends tasks that mention code to CodeAgent and the rest to
// ContentAgent; ContentAgent's article is streamed in small pieces with a pause between them, so
// GET /v1/tasks/{id}/stream shows its `delta` events as they come.
//
//   npx nx run-many -t build -p agents-core agent-content   # once: the stubs are loaded from dist/
//   node tools/dev/offline-providers.mjs [--chunk-delay-ms 40]
//   # then, in another shell, the environment it prints, e.g.:
//   OPENAI_API_KEY=sk-offline OPENAI_BASE_URL=http://127.0.0.1:PORT/v1 TAVILY_API_KEY=tvly-offline \
//     TAVILY_BASE_URL=http://127.0.0.1:PORT npm start
//
// Every answer is made up; nothing leaves the machine. Stop it with Ctrl-C.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const require = createRequire(import.meta.url);

const { values } = parseArgs({ options: { 'chunk-delay-ms': { type: 'string', default: '40' }, help: { type: 'boolean', default: false } } });
if (values.help) {
  console.log('usage: node tools/dev/offline-providers.mjs [--chunk-delay-ms N]  (pause between streamed pieces of an answer, default 40)');
  process.exit(0);
}
const chunkDelayMs = Number(values['chunk-delay-ms']);
if (!Number.isInteger(chunkDelayMs) || chunkDelayMs < 0 || chunkDelayMs > 10_000) {
  console.error(`--chunk-delay-ms must be an integer from 0 to 10000, got ${values['chunk-delay-ms']}`);
  process.exit(2);
}

const stubs = {
  openai: path.join(ROOT, 'libs/agents-core/dist/testing/openai-stub.js'),
  tavily: path.join(ROOT, 'libs/agent-content/dist/testing/tavily-stub.js'),
};
for (const file of Object.values(stubs)) {
  if (!existsSync(file)) {
    console.error(`${path.relative(ROOT, file)} is missing: run \`npx nx run-many -t build -p agents-core agent-content\` first.`);
    process.exit(1);
  }
}
const { startOpenAiStub } = require(stubs.openai);
const { startTavilyStub, defaultTavilyResults } = require(stubs.tavily);

const ARTICLE = [
  '## Why queues need acknowledgements',
  '',
  'A job queue hands work to a consumer and must know when that work is done. Without an acknowledgement a',
  'crashed consumer silently drops the job; with one, the broker can hand the job to another consumer after a',
  'timeout [1].',
  '',
  '## Idempotent consumers',
  '',
  'Redelivery means a job may run twice. Consumers therefore make their effects idempotent: a unique key per',
  'job, conditional writes, and results stored before the acknowledgement [2].',
  '',
  '## In short',
  '',
  'At-least-once delivery plus idempotent consumers gives effectively-once processing, which is what most',
  'systems need.',
].join('\n');

const usage = { prompt_tokens: 320, completion_tokens: 180 };
const openai = await startOpenAiStub((req) => {
  const pacing = { chunkChars: 12, chunkDelayMs };
  if (req.schemaName === 'route_decision') {
    const code = /\b(code|function|python|typescript|javascript|refactor|bug)\b/i.test(req.lastUser);
    return code
      ? { json: { agent_name: 'CodeAgent', confidence: 0.92, reasoning: 'The task asks for code.' }, usage }
      : { json: { agent_name: 'ContentAgent', confidence: 0.9, reasoning: 'The task asks for long-form writing.' }, usage };
  }
  if (req.schemaName === 'search_queries') return { json: { queries: ['message queue acknowledgements', 'idempotent consumers'] }, usage };
  if (req.schemaName) {
    return {
      json: { language: 'python', mode: 'generate', summary: 'Returns the nth Fibonacci number.', content: '```python\ndef fib(n: int) -> int:\n    a, b = 0, 1\n    for _ in range(n):\n        a, b = b, a + b\n    return a\n```' },
      usage,
      ...pacing,
    };
  }
  return { content: ARTICLE, usage, ...pacing };
});
openai.requests.push = () => 0; // the stub records every request; nothing reads them here
const tavily = await startTavilyStub((req) => ({ results: defaultTavilyResults(req.query, req.maxResults) }));

console.log('Offline providers are up. Start the system with:');
console.log('');
console.log(`  OPENAI_API_KEY=sk-offline OPENAI_BASE_URL=${openai.url} TAVILY_API_KEY=tvly-offline TAVILY_BASE_URL=${tavily.url} npm start`);
console.log('');
console.log('Ctrl-C stops them.');

const stop = async () => {
  await Promise.allSettled([openai.close(), tavily.close()]);
  process.exit(0);
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
