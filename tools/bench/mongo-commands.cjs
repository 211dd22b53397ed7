// Preloaded into a process under measurement (`node --require tools/bench/mongo-commands.cjs app.js`,
// e.g. BENCH_WORKER_NODE_ARGS="--require $PWD/tools/bench/mongo-commands.cjs" with worker-cpu.mjs
// --prof): counts the MongoDB commands the process sends, by command and collection, through the
// driver's command monitoring (every MongoClient of the process is switched to monitorCommands when
// it connects). With --prof, worker-cpu.mjs sends SIGUSR2 at the start and at the end of each measured
// round: each such window's counts are written to <tmpdir>/mongo-commands-<pid>-<n>.json (the process
// id and the window number), so boot and warm-up are not in them. Divide by the round's tasks.
'use strict';
const Module = require('node:module');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

let counts = new Map();
let counting = false;
let windows = 0;
const patched = new WeakSet();

function onCommand(event) {
  if (!counting) return;
  const cmd = event.command ?? {};
  const target = cmd[event.commandName];
  const key = `${event.commandName} ${typeof target === 'string' ? target : ''}`.trim();
  counts.set(key, (counts.get(key) ?? 0) + 1);
}

/** Switches a MongoClient to command monitoring, once, and counts its commands. */
function watch(/** @type {any} */ client) {
  if (client.__benchCounted) return;
  client.__benchCounted = true;
  client.monitorCommands = true;
  client.on('commandStarted', onCommand);
}

function patch(/** @type {any} */ mongodb) {
  const proto = mongodb?.MongoClient?.prototype;
  if (!proto || patched.has(proto)) return;
  patched.add(proto);
  const connect = proto.connect;
  proto.connect = function (...args) {
    watch(this);
    return connect.apply(this, args);
  };
}

// Module._load is internal (not in its type declarations): every require() goes through it.
const loader = /** @type {any} */ (Module);
const load = loader._load;
loader._load = function (/** @type {string} */ request, /** @type {unknown[]} */ ...rest) {
  const loaded = load.call(this, request, ...rest);
  if (request === 'mongodb') patch(loaded);
  return loaded;
};

process.on('SIGUSR2', () => {
  if (!counting) {
    counts = new Map();
    counting = true;
    return;
  }
  counting = false;
  windows++;
  const out = path.join(os.tmpdir(), `mongo-commands-${process.pid}-${windows}.json`);
  const sorted = Object.fromEntries([...counts.entries()].sort((a, b) => b[1] - a[1]));
  fs.writeFileSync(out, `${JSON.stringify(sorted, null, 2)}\n`);
});
