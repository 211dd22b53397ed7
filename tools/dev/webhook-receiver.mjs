#!/usr/bin/env node
// A local receiver of the system's webhooks, for trying callbacks without a server of your own: it
// verifies each POST the Standard Webhooks way with nothing but node:crypto (the snippet of
// docs/webhooks.md), prints one line per delivery (id, verified or not, the task's status) and
// answers 204, or 401 when the signature does not verify.
//
//   WEBHOOK_SECRET=whsec_... node tools/dev/webhook-receiver.mjs [port]     # default port 4040
//
// Then give the api and the worker the same WEBHOOK_SECRET, plus WEBHOOK_ALLOW_HTTP=true (api) and
// WEBHOOK_ALLOW_PRIVATE_ADDRESSES=true (worker) since the receiver is http on this machine, and
// submit a task with "callback_url": "http://localhost:<port>/hook".
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';

const secret = process.env['WEBHOOK_SECRET'] ?? '';
if (!/^whsec_[A-Za-z0-9+/]+={0,2}$/.test(secret)) {
  console.error('Set WEBHOOK_SECRET to the whsec_... secret the api and the worker sign with (e.g. echo whsec_$(openssl rand -base64 32)).');
  process.exit(2);
}
const port = Number(process.argv[2] ?? 4040);
/** @type {Set<string>} */
const seen = new Set();

/**
 * Throws unless the request was signed with `secret` within `toleranceS` seconds; returns the payload.
 * @param {import('node:http').IncomingHttpHeaders} headers
 * @param {string} rawBody
 */
function verifyWebhook(headers, rawBody, toleranceS = 300) {
  const id = headers['webhook-id'];
  const timestamp = headers['webhook-timestamp'];
  const signatures = headers['webhook-signature'];
  if (typeof id !== 'string' || typeof timestamp !== 'string' || typeof signatures !== 'string') throw new Error('missing webhook headers');
  if (Math.abs(Date.now() / 1000 - Number(timestamp)) > toleranceS) throw new Error('timestamp too old or in the future');
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const expected = createHmac('sha256', key).update(`${id}.${timestamp}.${rawBody}`).digest();
  const ok = signatures.split(' ').some((s) => {
    const [version, value] = s.split(',');
    const given = Buffer.from(value ?? '', 'base64');
    return version === 'v1' && given.length === expected.length && timingSafeEqual(given, expected);
  });
  if (!ok) throw new Error('bad signature');
  return JSON.parse(rawBody);
}

const server = createServer((req, res) => {
  /** @type {Buffer[]} */
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const raw = Buffer.concat(chunks).toString('utf8');
    const id = String(req.headers['webhook-id'] ?? '-');
    try {
      const task = verifyWebhook(req.headers, raw);
      const repeat = seen.has(id) ? ' (repeat: already handled)' : '';
      seen.add(id);
      console.log(`${new Date().toISOString()} ${req.method} ${req.url} webhook-id=${id} signature=verified task=${task.task_id} status=${task.status}${repeat}`);
      res.writeHead(204).end();
    } catch (err) {
      console.log(`${new Date().toISOString()} ${req.method} ${req.url} webhook-id=${id} REJECTED: ${/** @type {Error} */ (err).message}`);
      res.writeHead(401).end();
    }
  });
});
server.listen(port, () => console.log(`webhook receiver on http://localhost:${port}/ (verifying with node:crypto)`));
process.on('SIGINT', () => server.close(() => process.exit(0)));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
