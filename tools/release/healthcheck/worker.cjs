// Docker HEALTHCHECK of the worker image (shipped as /app/healthcheck.cjs). Exit 0 = healthy.
//
// The worker has no HTTP listener, so "healthy" means what the worker needs to do its job: its
// process is running (PID 1: the container stops when it exits) and the Redis it consumes from
// answers PING with the worker's own REDIS_URL (AUTH and rediss:// TLS included). It does not catch
// a worker whose event loop is stuck while Redis is fine.
//
// REDIS_URL comes from the environment; when it is not there but SSM_PARAMETER_PATH is (the app
// loads its settings from SSM itself), the one parameter <SSM_PARAMETER_PATH>REDIS_URL is read with
// the image's own @aws-sdk/client-ssm and the instance role.
'use strict';
const net = require('node:net');
const path = require('node:path');
const tls = require('node:tls');

const TIMEOUT_MS = Number(process.env.HEALTHCHECK_TIMEOUT_MS || 8000); // under the HEALTHCHECK --timeout (10 s)

// Keep `docker inspect` health logs to the point (the AWS SDK warns about Node versions).
process.removeAllListeners('warning');

function fail(message) {
  console.error(`healthcheck: ${message}`);
  process.exit(1);
}

setTimeout(() => fail(`no answer within ${TIMEOUT_MS} ms`), TIMEOUT_MS).unref();

async function redisUrl() {
  if (process.env.REDIS_URL) return process.env.REDIS_URL;
  const prefix = process.env.SSM_PARAMETER_PATH;
  if (!prefix) throw new Error('neither REDIS_URL nor SSM_PARAMETER_PATH is set');
  // Resolve the SDK from the config library that depends on it, wherever npm placed it.
  const from = path.dirname(require.resolve('@agent-orchestrator/config/package.json'));
  const { SSMClient, GetParameterCommand } = require(require.resolve('@aws-sdk/client-ssm', { paths: [from] }));
  const name = `${prefix.replace(/\/*$/, '/')}REDIS_URL`;
  const client = new SSMClient({ maxAttempts: 2 });
  const out = await client.send(new GetParameterCommand({ Name: name, WithDecryption: true }));
  if (!out.Parameter?.Value) throw new Error(`SSM parameter ${name} is empty`);
  return out.Parameter.Value;
}

/** Encodes one command as a RESP array. */
function resp(...args) {
  return `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`;
}

function ping(url) {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') throw new Error(`unsupported REDIS_URL scheme ${u.protocol}`);
    const host = u.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1';
    const port = Number(u.port || 6379);
    const socket = u.protocol === 'rediss:' ? tls.connect({ host, port, servername: net.isIP(host) ? undefined : host }) : net.connect({ host, port });
    const commands = [];
    const password = decodeURIComponent(u.password);
    const username = decodeURIComponent(u.username);
    if (password) commands.push(username && username !== 'default' ? resp('AUTH', username, password) : resp('AUTH', password));
    commands.push(resp('PING'));
    let buffer = '';
    socket.once(u.protocol === 'rediss:' ? 'secureConnect' : 'connect', () => socket.write(commands.join('')));
    socket.on('data', (chunk) => {
      buffer += chunk.toString('utf8');
      const replies = buffer.split('\r\n').filter(Boolean);
      const error = replies.find((r) => r.startsWith('-'));
      if (error) {
        socket.destroy();
        reject(new Error(`Redis answered ${error.slice(1)}`));
      } else if (replies.length >= commands.length) {
        socket.end();
        if (replies[replies.length - 1] === '+PONG') resolve();
        else reject(new Error(`unexpected reply to PING: ${replies[replies.length - 1]}`));
      }
    });
    socket.on('error', reject);
  });
}

redisUrl()
  .then(ping)
  .then(
    () => process.exit(0),
    (err) => fail(`Redis is not reachable: ${err.message}`),
  );
