import type { RequestHandler, Response } from 'express';
import { contractFor, type ContractExchange, type ContractRecorder } from '@agent-orchestrator/api-contract/testing';

/** JSON bodies, and event streams (each message is checked), are captured; other bodies only counted. */
const isChecked = (contentType: unknown): boolean => typeof contentType === 'string' && /^(application\/([\w.+-]*\+)?json\b|text\/event-stream\b)/i.test(contentType);

type Chunk = string | Buffer | Uint8Array;
const toBuffer = (chunk: Chunk, encoding: unknown): Buffer =>
  typeof chunk === 'string' ? Buffer.from(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8') : Buffer.from(chunk);

/**
 * The `contractCheck` createApp takes (AppDeps): a middleware, installed
 * first, that watches what the app writes for each response (res.write /
 * res.end, so res.json, res.send, res.sendFile and the error handler alike)
 * and, as the response ends, holds it against the document the app serves.
 * Violations are recorded, never thrown: the response itself is left alone.
 */
export function contractCheck(recorder: ContractRecorder): (document: object) => RequestHandler {
  return (document) => {
    const contract = contractFor(document);
    return (req, res, next) => {
      const chunks: Buffer[] = [];
      let bytes = 0;
      let done = false;
      const capture = (chunk: unknown, encoding: unknown): void => {
        if (typeof chunk !== 'string' && !(chunk instanceof Uint8Array)) return;
        const buffer = toBuffer(chunk, encoding);
        bytes += buffer.length;
        // Only JSON and event streams are validated field by field; other bodies (the 1.7 MB Swagger UI bundle) are only counted.
        if (isChecked(res.getHeader('Content-Type'))) chunks.push(buffer);
      };
      const check = (): void => {
        if (done) return;
        done = true;
        const exchange: ContractExchange = {
          method: req.method,
          path: req.originalUrl.split('?')[0] ?? req.originalUrl,
          route: typeof req.route?.path === 'string' ? req.route.path : undefined,
          status: res.statusCode,
          headers: res.getHeaders() as ContractExchange['headers'],
          body: chunks.length > 0 ? Buffer.concat(chunks).toString('utf8') : undefined,
          bodyBytes: bytes,
        };
        recorder.checked += 1;
        let problems: string[];
        try {
          problems = contract.check(exchange);
        } catch (err) {
          // A broken document (a $ref to nothing): reported like a violation, never thrown into the app.
          problems = [`the check itself failed: ${err instanceof Error ? err.message : String(err)}`];
        }
        if (problems.length > 0) recorder.record({ response: contract.describe(exchange), problems });
      };

      const write = res.write.bind(res) as (...args: unknown[]) => boolean;
      const end = res.end.bind(res) as (...args: unknown[]) => Response;
      res.write = ((...args: unknown[]) => {
        capture(args[0], args[1]);
        return write(...args);
      }) as Response['write'];
      res.end = ((...args: unknown[]) => {
        if (typeof args[0] !== 'function') capture(args[0], args[1]);
        check();
        return end(...args);
      }) as Response['end'];
      next();
    };
  };
}
