/**
 * The HTTP side of a webhook attempt (node:http/https, no redirects followed). The host is resolved
 * here and each address classified (ssrf.ts); the connection goes to the address that passed, via a
 * `lookup` handed to the request, so a second DNS answer (rebinding) cannot swap it. TLS still
 * checks the certificate against the URL's host name. Connect and total timeouts are short; only
 * the first bytes of the response body are kept, the rest is not read.
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { WEBHOOK_RESPONSE_PREFIX_BYTES } from '@agent-orchestrator/domain';
import type { WebhookRequest, WebhookResponse, WebhookSender } from '../ports/webhook.port';
import { classifyAddress, isAllowedAddress } from './ssrf';

export interface HttpWebhookSenderOptions {
  /** Longest wait for the TCP (and TLS) connection (WEBHOOK_CONNECT_TIMEOUT_MS). */
  connectTimeoutMs: number;
  /** Longest whole attempt, from the start to the response's status (WEBHOOK_TIMEOUT_MS). */
  timeoutMs: number;
  /** Loopback, private, link-local... addresses allowed (WEBHOOK_ALLOW_PRIVATE_ADDRESSES; development and tests). */
  allowPrivateAddresses: boolean;
  /** DNS resolution (tests); default node's `dns.lookup` with every address. */
  resolve?: (host: string) => Promise<LookupAddress[]>;
}

const defaultResolve = (host: string): Promise<LookupAddress[]> =>
  new Promise((resolve, reject) => dnsLookup(host, { all: true, verbatim: true }, (err, addresses) => (err ? reject(err) : resolve(addresses))));

export class HttpWebhookSender implements WebhookSender {
  private readonly resolve: (host: string) => Promise<LookupAddress[]>;

  constructor(private readonly options: HttpWebhookSenderOptions) {
    this.resolve = options.resolve ?? defaultResolve;
  }

  async send(request: WebhookRequest): Promise<WebhookResponse> {
    const started = Date.now();
    const elapsed = () => Date.now() - started;
    const url = new URL(request.url);
    const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
    let addresses: LookupAddress[];
    try {
      addresses = isIP(host)
        ? [{ address: host, family: isIP(host) }]
        : await withTimeout(this.resolve(host), this.options.connectTimeoutMs, `resolving ${host} timed out`);
    } catch (err) {
      return { status_code: null, duration_ms: elapsed(), error: `DNS: ${(err as Error).message}`, response_prefix: null };
    }
    const allowed = addresses.filter((a) => isAllowedAddress(a.address, { allowPrivate: this.options.allowPrivateAddresses }));
    const target = allowed[0];
    if (!target) {
      const seen = addresses.map((a) => `${a.address} (${classifyAddress(a.address)})`).join(', ') || 'no address';
      return {
        status_code: null,
        duration_ms: elapsed(),
        error: `refused: ${host} resolves to ${seen}, not a public address (WEBHOOK_ALLOW_PRIVATE_ADDRESSES is off)`,
        response_prefix: null,
        refused: true,
      };
    }
    return this.post(url, target, request, started);
  }

  private post(url: URL, target: LookupAddress, request: WebhookRequest, started: number): Promise<WebhookResponse> {
    const { connectTimeoutMs, timeoutMs } = this.options;
    // Every lookup of this request answers the address that was checked.
    const pinned: LookupFunction = (_hostname, options, callback) => {
      if ((options as { all?: boolean }).all) (callback as unknown as (err: null, addresses: LookupAddress[]) => void)(null, [target]);
      else callback(null, target.address, target.family);
    };
    const client = url.protocol === 'https:' ? https : http;
    return new Promise<WebhookResponse>((resolve) => {
      let settled = false;
      const finish = (outcome: Omit<WebhookResponse, 'duration_ms'>) => {
        if (settled) return;
        settled = true;
        clearTimeout(total);
        clearTimeout(connect);
        resolve({ ...outcome, duration_ms: Date.now() - started });
      };
      const req = client.request(url, {
        method: 'POST',
        headers: { ...request.headers, 'content-length': String(Buffer.byteLength(request.body)) },
        lookup: pinned,
        agent: false,
      });
      const total = setTimeout(() => {
        finish({ status_code: null, error: `timeout: no response within ${timeoutMs} ms`, response_prefix: null });
        req.destroy();
      }, timeoutMs);
      const connect = setTimeout(() => {
        finish({ status_code: null, error: `timeout: no connection within ${connectTimeoutMs} ms`, response_prefix: null });
        req.destroy();
      }, connectTimeoutMs);
      req.on('socket', (socket) => {
        const connected = () => clearTimeout(connect);
        if (url.protocol === 'https:') socket.once('secureConnect', connected);
        else socket.once('connect', connected);
      });
      req.on('error', (err: NodeJS.ErrnoException) => finish({ status_code: null, error: `network: ${err.code ?? err.message}`, response_prefix: null }));
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        const done = () => {
          const prefix = Buffer.concat(chunks).subarray(0, WEBHOOK_RESPONSE_PREFIX_BYTES).toString('utf8');
          const retryAfter = res.headers['retry-after'];
          finish({
            status_code: res.statusCode ?? null,
            error: null,
            response_prefix: prefix.length > 0 ? prefix : null,
            ...(typeof retryAfter === 'string' ? { retry_after: retryAfter } : {}),
          });
          res.destroy();
        };
        res.on('data', (chunk: Buffer) => {
          chunks.push(chunk);
          size += chunk.length;
          if (size >= WEBHOOK_RESPONSE_PREFIX_BYTES) done();
        });
        res.on('end', done);
        res.on('error', done);
        res.on('close', done);
      });
      req.end(request.body);
    });
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(message)), ms)));
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}
