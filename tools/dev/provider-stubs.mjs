#!/usr/bin/env node
// Local stand-ins for OpenAI and Tavily, for a demo of the live stream on a machine without internet
// (or without keys): the repo's test stubs (libs/agents-core/testing, libs/agent-content/testing),
// which speak the providers' HTTP APIs. Every task is routed to the ContentAgent, whose article is
// streamed as OpenAI's SSE chunks, a few characters at a time, so the stream shows it being written.
//
//   npx nx run-many -t build -p agents-core agent-content
//   node tools/dev/provider-stubs.mjs            # prints the settings to give `npm start`, runs until Ctrl-C
//
// Then, in another shell: <the printed settings> npm start
// and: AO_BASE_URL=http://localhost:3000 node libs/client/examples/stream-task.mjs --resume-after 8
import { createRequire } from 'node:module';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..', '..');
const require = createRequire(import.meta.url);
let stubs;
try {
  stubs = {
    ...require(join(root, 'libs/agents-core/dist/testing/openai-stub.js')),
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

const openai = await stubs.startOpenAiStub((req) => {
  if (req.schemaName === 'route_decision') return { json: { agent_name: 'ContentAgent', confidence: 0.9, reasoning: 'Long-form writing (stub).' }, usage: { prompt_tokens: 300, completion_tokens: 40 } };
  if (req.schemaName === 'search_queries') return { json: { queries: ['prime numbers online banking'] }, usage: { prompt_tokens: 120, completion_tokens: 20 } };
  return { content: article(), usage: { prompt_tokens: 900, completion_tokens: 600 }, chunkChars: 12, chunkDelayMs: 25 };
});
const tavily = await stubs.startTavilyStub();

console.log(`OPENAI_API_KEY=sk-local-stub-0123456789 OPENAI_BASE_URL=${openai.url} TAVILY_API_KEY=tvly-local-stub-0123456789 TAVILY_BASE_URL=${tavily.url}`);
console.error('OpenAI and Tavily stubs running; Ctrl-C to stop.');
const stop = () => void Promise.allSettled([openai.close(), tavily.close()]).then(() => process.exit(0));
process.on('SIGINT', stop).on('SIGTERM', stop);
