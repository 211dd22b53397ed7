#!/usr/bin/env node
// Submits a task and prints its live stream with @agent-orchestrator/client: each lifecycle event on
// its own line, the agent's text (`delta` events) as it is written, then the final task.
//
//   npx nx build client
//   AO_BASE_URL=http://localhost:3000 [AO_API_KEY=<key>] node libs/client/examples/stream-task.mjs [options] ["task text"]
//
// Options:
//   --resume-after <n>   leave the stream after event n (the connection closes), then open it again with
//                        Last-Event-ID: n, to show the resume: nothing lost, nothing repeated
//   --json               one JSON object per event (the event with its `id`), for machines
//   --callback-url <url> also have the ending POSTed, signed, to <url> (docs/webhooks.md); once the
//                        stream ends, print the task's webhook deliveries and their attempts
// eslint-disable-next-line @nx/enforce-module-boundaries -- an example imports the package the way its users do
import { createClient, isTerminalEvent } from '@agent-orchestrator/client';

const args = process.argv.slice(2);
const flag = (name) => {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  const [, value] = args.splice(i, 2);
  return value ?? '';
};
const json = args.includes('--json');
if (json) args.splice(args.indexOf('--json'), 1);
const resumeAfter = flag('--resume-after');
const callbackUrl = flag('--callback-url');
const baseUrl = process.env.AO_BASE_URL;
if (!baseUrl || (resumeAfter !== undefined && !/^[1-9]\d*$/.test(resumeAfter))) {
  console.error('usage: AO_BASE_URL=http://localhost:3000 [AO_API_KEY=<key>] node stream-task.mjs [--resume-after <n>] [--json] [--callback-url <url>] ["task text"]');
  process.exit(2);
}
const text = args.join(' ') || 'Write a short blog post about how prime numbers keep online banking safe.';

const ao = createClient({ baseUrl, apiKey: process.env.AO_API_KEY || undefined });
const out = (line) => process.stdout.write(`${line}\n`);
let writing = false;
/** One event: a delta's text goes on the current line; anything else on a line of its own. */
function print(e) {
  if (json) return out(JSON.stringify(e));
  if (e.event === 'delta') {
    writing = true;
    return void process.stdout.write(e.data.text);
  }
  if (writing) process.stdout.write('\n');
  writing = false;
  const who = e.agent_name ? ` ${e.agent_name}` : '';
  const what = isTerminalEvent(e) ? `task: status=${e.task.status} agent=${e.task.selected_agent} tokens=${e.task.usage.total_tokens} cost_usd=${e.task.usage.cost_usd}` : JSON.stringify(e.data);
  out(`[${e.id}] ${e.event}${who} ${what}`);
}

const submitted = await ao.submit(callbackUrl ? { task: text, callback_url: callbackUrl } : { task: text });
if (!json) out(`submitted ${submitted.task_id} (${submitted.status}), streaming ${baseUrl}/v1/tasks/${submitted.task_id}/stream`);

let last;
if (resumeAfter !== undefined) {
  for await (const e of ao.stream(submitted.task_id)) {
    print(e);
    last = e;
    // Leaving the loop closes the connection.
    if (e.id >= Number(resumeAfter) || isTerminalEvent(e)) break;
  }
  if (!isTerminalEvent(last)) {
    if (writing) process.stdout.write('\n');
    writing = false;
    if (!json) out(`-- connection closed after event ${last.id}; reconnecting with Last-Event-ID: ${last.id} --`);
  }
}
if (!last || !isTerminalEvent(last)) {
  for await (const e of ao.stream(submitted.task_id, last ? { lastEventId: last.id } : {})) {
    print(e);
    last = e;
  }
}
if (writing) process.stdout.write('\n');
process.exitCode = last?.event === 'task.completed' ? 0 : 1;

if (callbackUrl) {
  // The worker delivers after the ending: give it a few seconds, then show what it recorded.
  let deliveries = [];
  for (let i = 0; i < 20; i++) {
    deliveries = (await ao.webhooks(submitted.task_id)).deliveries;
    if (deliveries.some((d) => d.state !== 'pending')) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  if (json) out(JSON.stringify({ webhooks: deliveries }));
  for (const d of json ? [] : deliveries) {
    out(`webhook ${d.webhook_id} ${d.event} -> ${d.url}: ${d.state}`);
    for (const a of d.attempts) out(`  attempt at ${a.at}: ${a.status_code ?? a.error} in ${a.duration_ms} ms`);
  }
}
