// node --test tools/bench/lib.test.mjs
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { fmt, markdownTable, mulberry32, parseSizes, percentile, shortCount, statCpuTicks, statusKiB } from './lib.mjs';

test('percentile is nearest-rank', () => {
  const xs = Array.from({ length: 100 }, (_, i) => i + 1);
  assert.equal(percentile(xs, 0.5), 50);
  assert.equal(percentile(xs, 0.95), 95);
  assert.equal(percentile(xs, 0.99), 99);
  assert.equal(percentile(xs, 1), 100);
  assert.equal(percentile([7], 0.95), 7);
  assert.equal(percentile([1, 2, 3], 0), 1);
  assert.ok(Number.isNaN(percentile([], 0.5)));
});

test('parseSizes sorts, dedupes and rejects junk', () => {
  assert.deepEqual(parseSizes('100000, 10000,10000'), [10000, 100000]);
  assert.deepEqual(parseSizes('1_000_000'), [1000000]);
  assert.throws(() => parseSizes('10k'));
  assert.throws(() => parseSizes('0'));
  assert.throws(() => parseSizes(''));
});

test('shortCount', () => {
  assert.equal(shortCount(10000), '10k');
  assert.equal(shortCount(1000000), '1M');
  assert.equal(shortCount(2500), '2.5k');
  assert.equal(shortCount(999), '999');
});

test('fmt', () => {
  assert.equal(fmt(null), '–');
  assert.equal(fmt(Number.NaN), '–');
  assert.equal(fmt(1.234, 2), '1.23');
  assert.equal(fmt(1234.5), '1,235');
  assert.equal(fmt(123.45, 2), '123.5');
  assert.equal(fmt('x'), 'x');
});

test('markdownTable pads columns and aligns right', () => {
  const t = markdownTable(
    ['name', 'n'],
    [
      ['a', '1'],
      ['bb|c', '22'],
    ],
    ['left', 'right'],
  );
  assert.equal(t, ['| name  |   n |', '| ----- | --: |', '| a     |   1 |', '| bb\\|c |  22 |'].join('\n'));
});

test('statusKiB reads /proc/<pid>/status fields', () => {
  const text = 'Name:\tnode\nVmHWM:\t  204800 kB\nVmRSS:\t  102400 kB\n';
  assert.equal(statusKiB(text), 102400);
  assert.equal(statusKiB(text, 'VmHWM'), 204800);
  assert.equal(statusKiB('Name:\tx\n'), null);
});

test('mulberry32 is deterministic', () => {
  const a = mulberry32(42);
  const b = mulberry32(42);
  const xs = [a(), a(), a()];
  assert.deepEqual(xs, [b(), b(), b()]);
  assert.ok(xs.every((x) => x >= 0 && x < 1));
});

test('statCpuTicks adds utime and stime of /proc/<pid>/stat, whatever the command name holds', () => {
  const text = '4242 (node (my app) x) S 1 4242 4242 0 -1 4194304 99 0 0 0 1234 56 0 0 20 0 11 0 1102205 3133440 414\n';
  assert.equal(statCpuTicks(text), 1290);
  assert.equal(statCpuTicks('garbage'), null);
});

test('pacedLoad spreads requests over the duration, counts 2xx, non-2xx and errors, and measures from when each was due', async () => {
  const { pacedLoad } = await import('./paced-load.mjs');
  const http = await import('node:http');
  /** @type {number[]} */
  const arrivals = [];
  let n = 0;
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      arrivals.push(performance.now());
      n++;
      if (n % 10 === 0) res.writeHead(500).end();
      else if (n === 5) req.socket.destroy();
      else res.writeHead(202, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(undefined)));
  try {
    const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
    const r = await pacedLoad({ url: `http://127.0.0.1:${port}/x`, rate: 100, durationS: 0.6, body: '{"task":"x"}', headers: { 'content-type': 'application/json' } });
    assert.equal(r.due, 60);
    assert.equal(r.ok + r.non2xx + r.errors, 60);
    assert.equal(r.non2xx, 6);
    assert.equal(r.errors, 1);
    assert.ok(r.p50 >= 0 && r.p99 >= r.p50 && r.max >= r.p99);
    assert.equal(r.worstPerSecond.length, 1);
    assert.ok((r.worstPerSecond[0] ?? Number.NaN) <= r.max + 1);
    // Paced, not a burst: the arrivals span most of the 0.6 s (a burst would take a few ms).
    const span = (arrivals.at(-1) ?? 0) - (arrivals[0] ?? 0);
    assert.ok(span > 300, `arrivals spanned ${span} ms`);
  } finally {
    server.close();
  }
});
