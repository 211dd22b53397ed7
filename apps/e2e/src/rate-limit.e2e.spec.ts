// needs: MongoDB-compatible server (MONGO_URI) and Redis (REDIS_URL), started by the Jest global setup;
// the built api (`nx test e2e` builds it first). Two real API processes share one Redis, as several
// instances behind a load balancer do, and enforce one rate limit together.
import { randomInt, randomUUID } from 'node:crypto';
import { ApiContract } from './contract';
import { e2eEnv, freePort, startApp, waitFor, type AppProcess } from './processes';
import { dropTestDatabase, testDatabaseName } from '@agent-orchestrator/persistence/testing';
import { testRedisUrl } from '@agent-orchestrator/messaging/testing';

const LIMIT = 5;
const TASK = `/v1/tasks/${randomUUID()}`;
/** Documentation addresses (RFC 5737), random per run so reruns against a kept Redis never share a bucket. */
const CLIENT_IP = `198.51.100.${randomInt(1, 255)}`;
const WARM_UP_IP = `192.0.2.${randomInt(1, 255)}`;

describe('rate limit shared by two API processes (one Redis)', () => {
  const apis: { process: AppProcess; base: string }[] = [];
  // Every API response is held against the OpenAPI document the API serves.
  const contract = new ApiContract();
  const dbName = testDatabaseName('ao_e2e_rl');

  beforeAll(async () => {
    const env = {
      // A logical Redis database of its own: the lifecycle suite's API counts in another one.
      ...e2eEnv({ dbName, redisUrl: testRedisUrl(5) }),
      LOG_LEVEL: 'info',
      API_RATE_LIMIT_PER_MINUTE: String(LIMIT),
      // As behind one load balancer: the client is the last X-Forwarded-For hop.
      TRUST_PROXY: '1',
    };
    for (let i = 0; i < 2; i++) {
      const port = await freePort();
      apis.push({ process: startApp('api', { ...env, PORT: String(port) }), base: `http://127.0.0.1:${port}` });
    }
    for (const { base } of apis) {
      await waitFor(`api ${base} /readyz`, async () => ((await contract.fetch(`${base}/readyz`)).status === 200 ? true : undefined));
      // Until its Redis client has connected an API lets requests through uncounted (fail open):
      // wait until this one counts, spending another client's budget.
      await waitFor(`api ${base} to count requests`, async () => {
        const res = await contract.fetch(`${base}${TASK}`, { headers: { 'x-forwarded-for': WARM_UP_IP } });
        return res.headers.get('ratelimit-limit') === String(LIMIT) ? true : undefined;
      });
    }
  }, 60_000);

  afterAll(async () => {
    await Promise.allSettled(apis.map((a) => a.process.stop()));
    await dropTestDatabase(dbName);
  });

  afterEach(() => contract.assertClean());

  afterEach(() => {
    const state = expect.getState();
    if (state.assertionCalls !== state.numPassingAsserts) {
      for (const { process: p } of apis) process.stderr.write(`--- ${p.name} output ---\n${p.output().slice(-4000)}\n`);
    }
  });

  const get = (base: string, requestId: string) => contract.fetch(`${base}${TASK}`, { headers: { 'x-forwarded-for': CLIENT_IP, 'x-request-id': requestId } });

  it('3 requests to each process: the 6th overall is refused with 429, whichever process gets it', async () => {
    const [a, b] = apis as [(typeof apis)[0], (typeof apis)[0]];
    const seen: [number, string | null][] = [];
    for (const [i, api] of [a, b, a, b, a].entries()) {
      const res = await get(api.base, `e2e-rl-${i}`);
      seen.push([res.status, res.headers.get('ratelimit-remaining')]);
    }
    // Each process's answer counts the other's requests: one budget.
    expect(seen).toEqual([
      [404, '4'],
      [404, '3'],
      [404, '2'],
      [404, '1'],
      [404, '0'],
    ]);

    const sixth = await get(b.base, 'e2e-rl-6');
    expect(sixth.status).toBe(429);
    expect(sixth.headers.get('x-request-id')).toBe('e2e-rl-6');
    expect(sixth.headers.get('ratelimit-limit')).toBe(String(LIMIT));
    expect(sixth.headers.get('ratelimit-remaining')).toBe('0');
    expect(Number(sixth.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await sixth.json()).toEqual({
      error: { type: 'RATE_LIMITED', message: expect.any(String), request_id: 'e2e-rl-6' },
      api_version: 'v1',
    });
    expect((await get(a.base, 'e2e-rl-7')).status).toBe(429);

    // Another client (another X-Forwarded-For) still has its own budget.
    const other = await contract.fetch(`${a.base}${TASK}`, { headers: { 'x-forwarded-for': `203.0.113.${randomInt(1, 255)}` } });
    expect(other.status).toBe(404);
  });

  it('each process said once at boot that it runs without API keys', () => {
    for (const { process: p } of apis) {
      expect(p.output().match(/API_KEYS is empty/g)).toHaveLength(1);
    }
  });
});
