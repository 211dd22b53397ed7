import { createHmac } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { signWebhook, webhookHeaders } from './signature';

describe('Standard Webhooks signature', () => {
  it("matches the specification's published test vector", () => {
    // The vector of the Standard Webhooks reference libraries' tests.
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    expect(signWebhook(secret, 'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, '{"test": 2432232314}')).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
  });

  it('is HMAC-SHA256 over "id.timestamp.body" with the base64-decoded key', () => {
    const key = Buffer.alloc(32, 1);
    const secret = `whsec_${key.toString('base64')}`;
    const body = JSON.stringify({ task_id: 't', status: 'completed', text: 'é 😀' });
    const expected = createHmac('sha256', key).update(`msg_1.1700000000.${body}`).digest('base64');
    expect(signWebhook(secret, 'msg_1', 1700000000, body)).toBe(`v1,${expected}`);
  });

  it('verifies with the standardwebhooks package, and fails once the body changes', () => {
    const secret = `whsec_${Buffer.alloc(24, 9).toString('base64')}`;
    const body = JSON.stringify({ task_id: 'abc', status: 'failed' });
    const timestamp = Math.floor(Date.now() / 1000);
    const headers = webhookHeaders(secret, 'msg_abc_0', timestamp, body);
    expect(headers).toMatchObject({ 'content-type': 'application/json', 'webhook-id': 'msg_abc_0', 'webhook-timestamp': String(timestamp) });
    expect(headers['user-agent']).toMatch(/^agent-orchestrator-webhooks\//);
    const verifier = new Webhook(secret);
    expect(verifier.verify(body, headers)).toEqual({ task_id: 'abc', status: 'failed' });
    expect(() => verifier.verify(body.replace('failed', 'completed'), headers)).toThrow();
  });
});
