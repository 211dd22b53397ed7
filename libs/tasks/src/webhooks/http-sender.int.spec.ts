// needs: no database; real local HTTP servers on free ports (and one closed port). The HTTP side of a
// webhook attempt: statuses, the response prefix, timeouts, no redirects, refused addresses, and the
// connection going to the address that was checked whatever DNS says next.
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WEBHOOK_RESPONSE_PREFIX_BYTES } from '@agent-orchestrator/domain';
import { HttpWebhookSender } from './http-sender';

const servers: Server[] = [];
async function serve(handler: RequestListener): Promise<string> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}
afterAll(async () => {
  for (const s of servers) s.closeAllConnections();
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
});

const sender = (options: Partial<ConstructorParameters<typeof HttpWebhookSender>[0]> = {}) =>
  new HttpWebhookSender({ connectTimeoutMs: 1000, timeoutMs: 1500, allowPrivateAddresses: true, ...options });
const post = (s: HttpWebhookSender, url: string) => s.send({ url, headers: { 'content-type': 'application/json', 'webhook-id': 'msg_1' }, body: '{"a":1}' });

describe('HttpWebhookSender (local servers)', () => {
  it('POSTs the body with the headers and keeps the status and at most 256 bytes of the answer', async () => {
    let seen: { method?: string; headers?: Record<string, unknown>; body?: string } = {};
    const url = await serve((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        seen = { method: req.method, headers: req.headers, body };
        res.writeHead(202, { 'retry-after': '7' });
        res.end('é'.repeat(1000));
      });
    });
    const r = await post(sender(), `${url}/hook?x=1`);
    expect(seen).toMatchObject({ method: 'POST', body: '{"a":1}', headers: { 'webhook-id': 'msg_1', 'content-length': '7' } });
    expect(r).toMatchObject({ status_code: 202, error: null, retry_after: '7' });
    expect(Buffer.byteLength(r.response_prefix!)).toBeLessThanOrEqual(WEBHOOK_RESPONSE_PREFIX_BYTES);
    expect(r.response_prefix!.startsWith('éé')).toBe(true);
  });

  it('does not follow redirects: the 3xx is the answer', async () => {
    let followed = false;
    const target = await serve((_req, res) => ((followed = true), res.end('no')));
    const url = await serve((_req, res) => (res.writeHead(307, { location: `${target}/x` }), res.end()));
    expect((await post(sender(), url)).status_code).toBe(307);
    expect(followed).toBe(false);
  });

  it('times out a receiver that never answers, and reports a refused connection', async () => {
    const url = await serve(() => undefined);
    const slow = await post(sender({ timeoutMs: 300 }), url);
    expect(slow).toMatchObject({ status_code: null, error: 'timeout: no response within 300 ms' });
    expect(slow.duration_ms).toBeGreaterThanOrEqual(250);
    const closed = await serve((_req, res) => res.end());
    const port = new URL(closed).port;
    await new Promise((resolve) => servers.pop()!.close(resolve));
    const refused = await post(sender(), `http://127.0.0.1:${port}/`);
    expect(refused).toMatchObject({ status_code: null, error: 'network: ECONNREFUSED' });
    expect(refused.refused).toBeUndefined();
  });

  it('refuses non-public addresses unless allowed, before any request, naming what the host resolved to', async () => {
    let hits = 0;
    const url = await serve((_req, res) => (hits++, res.end()));
    const strict = sender({ allowPrivateAddresses: false });
    const r = await post(strict, url);
    expect(r).toMatchObject({ status_code: null, refused: true, error: expect.stringMatching(/^refused: 127\.0\.0\.1 resolves to 127\.0\.0\.1 \(loopback\)/) });
    const named = await post(
      new HttpWebhookSender({
        connectTimeoutMs: 1000,
        timeoutMs: 1500,
        allowPrivateAddresses: false,
        resolve: async () => [{ address: '169.254.169.254', family: 4 }],
      }),
      'https://metadata.example/latest',
    );
    expect(named).toMatchObject({ refused: true, error: expect.stringContaining('169.254.169.254 (link-local)') });
    expect(hits).toBe(0);
  });

  it('connects to the address it checked, whatever the name resolves to afterwards (no DNS rebinding)', async () => {
    let hits = 0;
    const url = await serve((req, res) => (hits++, res.end(req.headers.host)));
    const port = new URL(url).port;
    let lookups = 0;
    // The first answer is the one checked and used; a second lookup would point elsewhere.
    const resolve = async () => (lookups++ === 0 ? [{ address: '127.0.0.1', family: 4 }] : [{ address: '10.9.9.9', family: 4 }]);
    const r = await post(
      new HttpWebhookSender({ connectTimeoutMs: 1000, timeoutMs: 1500, allowPrivateAddresses: true, resolve }),
      `http://receiver.test:${port}/hook`,
    );
    expect(r).toMatchObject({ status_code: 200, response_prefix: `receiver.test:${port}` });
    expect(lookups).toBe(1);
    expect(hits).toBe(1);
  });

  it('reports a name that does not resolve as a DNS failure (retried by the caller)', async () => {
    const r = await post(
      new HttpWebhookSender({
        connectTimeoutMs: 500,
        timeoutMs: 1000,
        allowPrivateAddresses: false,
        resolve: async () => Promise.reject(Object.assign(new Error('getaddrinfo ENOTFOUND nowhere.test'), { code: 'ENOTFOUND' })),
      }),
      'https://nowhere.test/',
    );
    expect(r).toMatchObject({ status_code: null, error: 'DNS: getaddrinfo ENOTFOUND nowhere.test' });
    expect(r.refused).toBeUndefined();
  });
});
