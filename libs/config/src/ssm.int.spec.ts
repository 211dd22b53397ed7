// Needs no external server: starts a local HTTP stub that speaks SSM's JSON protocol, and points the
// real @aws-sdk/client-ssm at it (AWS_ENDPOINT_URL_SSM, dummy static credentials). Nothing reaches AWS.
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SSMClient } from '@aws-sdk/client-ssm';
import { ConfigError } from '@agent-orchestrator/domain';
import { loadSsmParameters, type MutableEnv, type SsmClientLike } from './ssm';

const PATH = '/agent-orchestrator-api/dev';

interface Received {
  target: string | undefined;
  body: { Path?: string; Recursive?: boolean; WithDecryption?: boolean; NextToken?: string };
}

type Handler = (req: IncomingMessage, res: ServerResponse, body: Received['body']) => void;

let server: Server;
let url: string;
let handler: Handler;
const received: Received[] = [];
const saved: Record<string, string | undefined> = {};
const SDK_ENV = { AWS_ENDPOINT_URL_SSM: '', AWS_ACCESS_KEY_ID: 'AKIDSTUB', AWS_SECRET_ACCESS_KEY: 'stub-secret', AWS_REGION: 'eu-west-1', AWS_EC2_METADATA_DISABLED: 'true' };

function json(res: ServerResponse, status: number, payload: unknown, errorType?: string): void {
  res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', ...(errorType ? { 'x-amzn-errortype': errorType } : {}) });
  res.end(JSON.stringify(payload));
}

/** Three parameters served two a page, like GetParametersByPath with MaxResults 2. */
const paging: Handler = (_req, res, body) => {
  const all = [
    { Name: `${PATH}/MONGO_URI`, Value: 'mongodb://user:pw@db.internal:27017', Type: 'SecureString' },
    { Name: `${PATH}/LOG_LEVEL`, Value: 'debug', Type: 'String' },
    { Name: `${PATH}/worker/WORKER_CONCURRENCY`, Value: '2', Type: 'String' },
  ];
  const start = body.NextToken ? Number(body.NextToken) : 0;
  json(res, 200, { Parameters: all.slice(start, start + 2), ...(start + 2 < all.length ? { NextToken: String(start + 2) } : {}) });
};

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Received['body'];
      received.push({ target: req.headers['x-amz-target'] as string | undefined, body });
      handler(req, res, body);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  for (const [name, value] of Object.entries({ ...SDK_ENV, AWS_ENDPOINT_URL_SSM: url })) {
    saved[name] = process.env[name];
    process.env[name] = value;
  }
});

afterAll(async () => {
  for (const [name, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  server.closeAllConnections();
  server.close();
});

beforeEach(() => {
  received.length = 0;
});

describe('loadSsmParameters with the real SDK against a local SSM stub', () => {
  it('sends GetParametersByPath recursively with decryption and follows NextToken', async () => {
    handler = paging;
    const env: MutableEnv = { LOG_LEVEL: 'info' };
    const result = await loadSsmParameters({ path: PATH, env });
    expect(received.map((r) => r.target)).toEqual(['AmazonSSM.GetParametersByPath', 'AmazonSSM.GetParametersByPath']);
    expect(received[0].body).toMatchObject({ Path: PATH, Recursive: true, WithDecryption: true });
    expect(received[1].body.NextToken).toBe('2');
    expect(env).toEqual({ LOG_LEVEL: 'info', MONGO_URI: 'mongodb://user:pw@db.internal:27017', WORKER_CONCURRENCY: '2' });
    expect(result).toMatchObject({ loaded: ['MONGO_URI', 'WORKER_CONCURRENCY'], overridden: ['LOG_LEVEL'] });
  });

  it('turns an AWS AccessDeniedException into a ConfigError without retrying', async () => {
    handler = (_req, res) => json(res, 400, { __type: 'AccessDeniedException', message: 'User: arn:aws:sts::123456789012:assumed-role/x/i-1 is not authorized' }, 'AccessDeniedException');
    const err = await loadSsmParameters({ path: PATH, env: {}, retryDelayMs: 1 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(new RegExp(`SSM_PARAMETER_PATH=${PATH}: AccessDeniedException after 1 attempt`));
    expect(received).toHaveLength(1);
  });

  it('gives up on a silent endpoint after the timeout and the bounded retries', async () => {
    handler = () => undefined; // never answers
    const started = Date.now();
    const err = await loadSsmParameters({ path: PATH, env: {}, timeoutMs: 200, maxAttempts: 2, retryDelayMs: 10 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toContain('TimeoutError after 2 attempts');
    expect(received).toHaveLength(2);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('accepts the SDK client itself as the injected client', async () => {
    handler = paging;
    const client: SsmClientLike = new SSMClient({ endpoint: url, region: 'eu-west-1', credentials: { accessKeyId: 'AKIDSTUB', secretAccessKey: 'stub-secret' } });
    const env: MutableEnv = {};
    await loadSsmParameters({ path: PATH, env, client });
    expect(Object.keys(env).sort()).toEqual(['LOG_LEVEL', 'MONGO_URI', 'WORKER_CONCURRENCY']);
  });
});
