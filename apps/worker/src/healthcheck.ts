// Docker HEALTHCHECK of the worker image: `node dist/healthcheck.js` in /app (apps/worker/Dockerfile).
// Exit 0 = healthy, 1 = unhealthy.
//
// The worker has no HTTP listener, so "healthy" means what the worker needs to do its job: its
// process is running (PID 1: the container stops when it exits) and the Redis it consumes from
// answers PING with the worker's own REDIS_URL (AUTH and rediss:// TLS included). It does not catch
// a worker whose event loop is stuck while Redis is fine.
//
// REDIS_URL comes from the environment; when it is not there but SSM_PARAMETER_PATH is (the app
// loads its settings from SSM itself), the one parameter <SSM_PARAMETER_PATH>REDIS_URL is read with
// @aws-sdk/client-ssm and the instance role.
//
// It runs in a fresh process every 30 s, so it imports Node built-ins only (the SDK on demand), never
// the worker's libraries: no Redis client, no logger, no config validation of unrelated settings.
import net from 'node:net';
import tls from 'node:tls';

/** Default bound on the whole check: under the image's HEALTHCHECK --timeout (10 s). */
export const DEFAULT_TIMEOUT_MS = 8000;

/** The Redis URL the worker uses: REDIS_URL, else <SSM_PARAMETER_PATH>REDIS_URL from SSM. */
export async function redisUrl(env: NodeJS.ProcessEnv = process.env): Promise<string> {
  if (env['REDIS_URL']) return env['REDIS_URL'];
  const prefix = env['SSM_PARAMETER_PATH'];
  if (!prefix) throw new Error('neither REDIS_URL nor SSM_PARAMETER_PATH is set');
  const { SSMClient, GetParameterCommand } = await import('@aws-sdk/client-ssm');
  const name = `${prefix.replace(/\/*$/, '/')}REDIS_URL`;
  const client = new SSMClient({ maxAttempts: 2 });
  try {
    const out = await client.send(new GetParameterCommand({ Name: name, WithDecryption: true }));
    if (!out.Parameter?.Value) throw new Error(`SSM parameter ${name} is empty`);
    return out.Parameter.Value;
  } finally {
    client.destroy();
  }
}

/** One command as a RESP array. */
export function respCommand(...args: string[]): string {
  return `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`;
}

/** Resolves when the Redis at `url` answers PING (after AUTH when the URL has credentials). */
export function ping(url: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') throw new Error(`unsupported REDIS_URL scheme ${u.protocol}`);
    const host = u.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1';
    const port = Number(u.port || 6379);
    const secure = u.protocol === 'rediss:';
    const socket = secure ? tls.connect({ host, port, servername: net.isIP(host) ? undefined : host }) : net.connect({ host, port });
    const commands: string[] = [];
    const password = decodeURIComponent(u.password);
    const username = decodeURIComponent(u.username);
    if (password) commands.push(username && username !== 'default' ? respCommand('AUTH', username, password) : respCommand('AUTH', password));
    commands.push(respCommand('PING'));
    let buffer = '';
    socket.once(secure ? 'secureConnect' : 'connect', () => socket.write(commands.join('')));
    socket.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      const replies = buffer.split('\r\n').filter(Boolean);
      const error = replies.find((r) => r.startsWith('-'));
      if (error) {
        socket.destroy();
        reject(new Error(`Redis answered ${error.slice(1)}`));
      } else if (replies.length >= commands.length) {
        socket.end();
        const last = replies[replies.length - 1];
        if (last === '+PONG') resolve();
        else reject(new Error(`unexpected reply to PING: ${last}`));
      }
    });
    socket.on('error', reject);
  });
}

/** The whole check: resolves when healthy, rejects with the reason otherwise. */
export async function checkWorkerHealth(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  try {
    await ping(await redisUrl(env));
  } catch (err) {
    throw new Error(`Redis is not reachable: ${(err as Error).message}`);
  }
}

function main(): void {
  const timeoutMs = Number(process.env['HEALTHCHECK_TIMEOUT_MS'] || DEFAULT_TIMEOUT_MS);
  const fail = (message: string): never => {
    process.stderr.write(`healthcheck: ${message}\n`);
    process.exit(1);
  };
  // Keep `docker inspect` health logs to the point (the AWS SDK warns about Node versions).
  process.removeAllListeners('warning');
  setTimeout(() => fail(`no answer within ${timeoutMs} ms`), timeoutMs).unref();
  checkWorkerHealth().then(
    () => process.exit(0),
    (err: Error) => fail(err.message),
  );
}

if (require.main === module) main();
