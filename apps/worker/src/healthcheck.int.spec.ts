// Needs: Redis (REDIS_URL, provided by tools/jest/services-setup.mjs). The image-level check (the
// built dist/healthcheck.js in a production package, REDIS_URL from an SSM stub) is in
// tools/release/package-app.test.mjs.
import net from 'node:net';

import { checkWorkerHealth, ping, redisUrl, respCommand } from './healthcheck';

const REDIS_URL = process.env['REDIS_URL'] as string;

/** A port nothing listens on: one the OS just handed out and that was closed again. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('worker healthcheck', () => {
  it('encodes commands as RESP arrays', () => {
    expect(respCommand('PING')).toBe('*1\r\n$4\r\nPING\r\n');
    expect(respCommand('AUTH', 'pässword')).toBe('*2\r\n$4\r\nAUTH\r\n$9\r\npässword\r\n');
  });

  it('is healthy when the Redis of REDIS_URL answers PING', async () => {
    await expect(ping(REDIS_URL)).resolves.toBeUndefined();
    await expect(checkWorkerHealth({ REDIS_URL })).resolves.toBeUndefined();
  });

  it('is unhealthy when nothing listens at REDIS_URL', async () => {
    const port = await closedPort();
    await expect(checkWorkerHealth({ REDIS_URL: `redis://127.0.0.1:${port}` })).rejects.toThrow(/^Redis is not reachable: .*ECONNREFUSED/);
  });

  it('reports the error Redis answers (here: AUTH on a server without a password)', async () => {
    const url = new URL(REDIS_URL);
    url.password = 'wrong';
    await expect(ping(url.toString())).rejects.toThrow(/^Redis answered ERR/);
  });

  it('needs REDIS_URL or SSM_PARAMETER_PATH, and a redis: or rediss: URL', async () => {
    await expect(redisUrl({})).rejects.toThrow('neither REDIS_URL nor SSM_PARAMETER_PATH is set');
    await expect(checkWorkerHealth({})).rejects.toThrow('Redis is not reachable: neither REDIS_URL nor SSM_PARAMETER_PATH is set');
    await expect(ping('http://127.0.0.1:6379')).rejects.toThrow('unsupported REDIS_URL scheme http:');
  });
});
