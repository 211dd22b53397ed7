// TRUST_PROXY decides whether X-Forwarded-For names the client; per-IP rate limits and the ip stored
// on tasks depend on it. In-memory fakes; the request comes from 127.0.0.1 (supertest).
import request from 'supertest';
import { fakeMessaging, InMemoryStore, recordingLogger, testConfig } from '../../testing/fakes';
import { createApp } from '../app';

const EXECUTE = '/v1/agent/execute';
const LOOPBACK = /^(::ffff:)?127\.0\.0\.1$|^::1$/;

function setup(env: Record<string, string>) {
  const store = new InMemoryStore();
  const { logger, records } = recordingLogger();
  const app = createApp({ config: testConfig({ API_RATE_LIMIT_PER_MINUTE: '1', ...env }), logger, store, ...fakeMessaging(), environment: 'unit' });
  const submit = async (xff?: string) => {
    const req = request(app).post(EXECUTE);
    if (xff !== undefined) req.set('X-Forwarded-For', xff);
    const res = await req.send({ task: 'x' });
    return { status: res.status, ip: res.status === 202 ? store.tasks.get(res.body.task_id)?.metadata.ip : undefined };
  };
  return { submit, records };
}

describe('TRUST_PROXY', () => {
  describe.each([['unset', {}], ['false', { TRUST_PROXY: 'false' }], ['0 hops', { TRUST_PROXY: '0' }]])('%s', (_name, env) => {
    it('ignores X-Forwarded-For: the client is the socket peer', async () => {
      const { submit, records } = setup(env);
      const first = await submit('198.51.100.7');
      expect(first.status).toBe(202);
      expect(first.ip).toMatch(LOOPBACK);
      expect(records).toContainEqual(expect.objectContaining({ route: EXECUTE, ip: expect.stringMatching(LOOPBACK) }));
    });

    it('so a client cannot dodge the per-IP limit by sending another X-Forwarded-For', async () => {
      const { submit } = setup(env);
      expect((await submit('198.51.100.7')).status).toBe(202);
      expect((await submit('198.51.100.8')).status).toBe(429);
    });
  });

  describe('1 (one load balancer in front)', () => {
    it('takes the client IP from X-Forwarded-For and limits each client separately', async () => {
      const { submit, records } = setup({ TRUST_PROXY: '1' });
      expect(await submit('198.51.100.7')).toEqual({ status: 202, ip: '198.51.100.7' });
      expect(await submit('198.51.100.8')).toEqual({ status: 202, ip: '198.51.100.8' });
      expect((await submit('198.51.100.7')).status).toBe(429);
      expect(records).toContainEqual(expect.objectContaining({ route: EXECUTE, status_code: 202, ip: '198.51.100.7' }));
    });

    it('trusts only the hop its proxy added, not what the client wrote before it', async () => {
      const { submit } = setup({ TRUST_PROXY: '1' });
      // The client sent "X-Forwarded-For: 203.0.113.1"; the load balancer appended the real address.
      expect(await submit('203.0.113.1, 198.51.100.9')).toEqual({ status: 202, ip: '198.51.100.9' });
      expect((await submit('203.0.113.2, 198.51.100.9')).status).toBe(429);
    });

    it('falls back to the socket peer without X-Forwarded-For', async () => {
      const { submit } = setup({ TRUST_PROXY: '1' });
      expect((await submit()).ip).toMatch(LOOPBACK);
    });
  });

  it('accepts a list of trusted proxy subnets', async () => {
    const { submit } = setup({ TRUST_PROXY: 'loopback, 10.0.0.0/8' });
    expect(await submit('192.0.2.44')).toEqual({ status: 202, ip: '192.0.2.44' });
  });
});
