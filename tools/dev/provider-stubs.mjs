#!/usr/bin/env node
// Local stand-ins for OpenAI, Anthropic and Tavily, to try the system on a machine without internet
// (or without keys): the repo's test stubs (libs/agents-core/testing, libs/agent-content/testing),
// which speak the providers' HTTP APIs, streaming included (OpenAI's SSE chunks, Anthropic's
// Messages API events). The router stub picks the agent of the catalogue the router prompt lists
// whose name or kind of work the task names (else the one whose description shares most words with
// it, else ContentAgent); the ContentAgent's article streams a few characters at a time.
//
//   npx nx run-many -t build -p agents-core agent-content
//   node tools/dev/provider-stubs.mjs            # prints the settings to give `npm start`, runs until Ctrl-C
//
// Then, in another shell: <the printed settings> npm start
// and: AO_BASE_URL=http://localhost:3000 node libs/client/examples/stream-task.mjs --resume-after 8
// Any role can use the Anthropic stub instead: add LLM_<ROLE>_MODEL=anthropic:claude-haiku-4-5
// (e.g. LLM_CODE_MODEL) to the settings.
import { createRequire } from 'node:module';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..', '..');
const require = createRequire(import.meta.url);
let stubs;
try {
  stubs = {
    ...require(join(root, 'libs/agents-core/dist/testing/openai-stub.js')),
    ...require(join(root, 'libs/agents-core/dist/testing/anthropic-stub.js')),
    ...require(join(root, 'libs/agent-content/dist/testing/tavily-stub.js')),
  };
} catch {
  console.error('Build the stubs first: npx nx run-many -t build -p agents-core agent-content');
  process.exit(1);
}

/** A short article, in paragraphs (about 700 characters). */
function article() {
  const body = [
    '# How prime numbers keep online banking safe',
    'This article is written by a local stub of the OpenAI API, so the live stream can be shown without a model.',
    'Large primes are easy to multiply and very hard to factor again: RSA rests on that asymmetry [1].',
    'A bank publishes the product of two secret primes; anyone can encrypt with it, only the bank can decrypt.',
    'TLS sessions agree on keys with elliptic-curve Diffie-Hellman, whose group order is a large prime as well [1].',
    'Every piece of this text reached your terminal as a `delta` event, a few characters at a time.',
    'Cut the connection while it is being written: the client reconnects with Last-Event-ID and goes on where it stopped.',
  ];
  return body.join('\n\n');
}

/**
 * The agents the router prompt lists (`- Name (kind of work: type)` then the indented description).
 * @param {string} system
 */
function catalogue(system) {
  return [...system.matchAll(/^- (\w+) \(kind of work: ([\w-]+)\)\n\s+(.+)$/gm)].map((m) => ({ name: m[1], type: m[2], description: m[3] }));
}

/** @param {string} text */
const words = (text) => new Set(text.toLowerCase().match(/[a-z]{4,}/g) ?? []);

/**
 * The agent a keyword router would pick for `task`.
 * @param {string} system
 * @param {string} task
 */
function route(system, task) {
  const agents = catalogue(system);
  const lower = task.toLowerCase();
  const named = agents.find((a) => lower.includes(a.name.toLowerCase()) || lower.includes(a.name.replace(/Agent$/, '').toLowerCase()) || lower.includes(a.type.replace(/_/g, ' ')));
  if (named) return { agent_name: named.name, confidence: 0.9, reasoning: `The task names ${named.name}'s kind of work (stub router).` };
  const taskWords = words(task);
  const scored = agents.map((a) => ({ a, score: [...words(a.description)].filter((w) => taskWords.has(w)).length })).sort((x, y) => y.score - x.score);
  const best = scored[0]?.score ? scored[0].a.name : 'ContentAgent';
  return { agent_name: best, confidence: 0.8, reasoning: `Closest description (stub router).` };
}

/**
 * One answer for every request, whatever the provider.
 * @param {{ schemaName: string | null, system: string, lastUser: string, model: string }} req
 */
function answer(req) {
  const usage = (p, c) => ({ usage: { prompt_tokens: p, completion_tokens: c } });
  const stub = `This answer comes from a local stub of the provider API (model ${req.model}), not from a model.`;
  switch (req.schemaName) {
    case 'route_decision':
      return { json: route(req.system, req.lastUser), ...usage(300, 40) };
    case 'search_queries':
      return { json: { queries: ['prime numbers online banking'] }, ...usage(120, 20) };
    case 'code_answer':
      return { json: { mode: 'generate', language: 'typescript', content: `${stub}\n\n\`\`\`ts\nexport const add = (a: number, b: number): number => a + b;\n\`\`\``, summary: 'A stub answer.' }, ...usage(400, 120), chunkChars: 12, chunkDelayMs: 25 };
    case 'test_answer':
      return { json: { language: 'typescript', framework: 'jest', content: `${stub}\n\n\`\`\`ts\nit('adds', () => expect(add(1, 2)).toBe(3));\n\`\`\``, summary: 'Jest tests (stub).' }, ...usage(400, 120), chunkChars: 12, chunkDelayMs: 25 };
    default:
      // The ContentAgent's writer gets the article; any other plain-text agent a short answer.
      if (req.system.includes('long-form writer')) return { content: article(), ...usage(900, 600), chunkChars: 12, chunkDelayMs: 25 };
      return { content: `${stub}\n\nYou asked: ${req.lastUser.slice(0, 200)}`, ...usage(200, 60), chunkChars: 12, chunkDelayMs: 25 };
  }
}

const openai = await stubs.startOpenAiStub(answer);
const anthropic = await stubs.startAnthropicStub(answer);
const tavily = await stubs.startTavilyStub();

console.log(
  `OPENAI_API_KEY=sk-local-stub-0123456789 OPENAI_BASE_URL=${openai.url} ANTHROPIC_API_KEY=sk-ant-local-stub-0123456789 ANTHROPIC_BASE_URL=${anthropic.url} TAVILY_API_KEY=tvly-local-stub-0123456789 TAVILY_BASE_URL=${tavily.url}`,
);
console.error('OpenAI, Anthropic and Tavily stubs running; Ctrl-C to stop.');
const stop = () => void Promise.allSettled([openai.close(), anthropic.close(), tavily.close()]).then(() => process.exit(0));
process.on('SIGINT', stop).on('SIGTERM', stop);
