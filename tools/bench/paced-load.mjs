/**
 * Open-loop load at a fixed rate, for "the p99 at half the maximum rate" (issue 11, goal 1).
 *
 * Request i is due at start + i / rate and is sent when due, however many are still in flight (up
 * to `maxSockets` keep-alive connections; past that it waits for one, and the wait counts). Its
 * latency counts from when it was due, not from when a connection was free, so a server that falls
 * behind is not hidden by a client that slows down with it (no coordinated omission).
 *
 * Why not autocannon's `overallRate`: autocannon gives each connection a quota per second, sends it
 * back to back at the start of the second and then idles, so "half the rate" is the full rate for
 * half of every second, with all connections starting together; and it corrects its histogram for
 * coordinated omission with an expected interval of ceil(1 / rate) ms (1 ms whatever the rate),
 * adding synthetic samples to every answer slower than 1 ms. Neither is the steady load a p99 "at
 * half the maximum rate" means.
 */
import http from 'node:http';

import { percentile } from './lib.mjs';

/**
 * @param {{ url: string, rate: number, durationS: number, method?: string, headers?: Record<string, string>,
 *           body?: string, maxSockets?: number, timeoutMs?: number }} options
 * @returns {Promise<{ due: number, ok: number, non2xx: number, errors: number, p50: number, p99: number,
 *                     max: number, achievedPerS: number, worstPerSecond: number[] }>} latencies in ms (of 2xx
 *   answers), from when each was due; `worstPerSecond`: the slowest answer of each second of the run (by due time)
 */
export async function pacedLoad({ url, rate, durationS, method = 'POST', headers = {}, body = '', maxSockets = 256, timeoutMs = 10_000 }) {
  if (!(rate > 0) || !(durationS > 0)) throw new Error(`pacedLoad: rate and durationS must be positive (got ${rate}, ${durationS})`);
  const agent = new http.Agent({ keepAlive: true, maxSockets });
  const total = Math.max(1, Math.floor(rate * durationS));
  const intervalMs = 1000 / rate;
  const payload = Buffer.from(body);
  /** @type {number[]} */
  const latencies = [];
  /** @type {number[]} */
  const worstPerSecond = [];
  let ok = 0;
  let non2xx = 0;
  let errors = 0;
  let lastAnswer = 0;
  const start = performance.now() + 10;
  await new Promise((resolveAll) => {
    let next = 0;
    let outstanding = 0;
    let allSent = false;
    const settled = () => {
      outstanding--;
      lastAnswer = performance.now();
      if (allSent && outstanding === 0) resolveAll(undefined);
    };
    const fire = (due) => {
      outstanding++;
      const req = http.request(url, { method, agent, headers: { ...headers, 'content-length': String(payload.length) }, timeout: timeoutMs }, (res) => {
        res.resume();
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) {
            ok++;
            const latency = performance.now() - due;
            latencies.push(latency);
            const second = Math.floor((due - start) / 1000);
            worstPerSecond[second] = Math.max(worstPerSecond[second] ?? 0, latency);
          } else non2xx++;
          settled();
        });
        res.on('error', () => {
          errors++;
          settled();
        });
      });
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', () => {
        errors++;
        settled();
      });
      req.end(payload);
    };
    const tick = () => {
      const now = performance.now();
      while (next < total && start + next * intervalMs <= now) {
        fire(start + next * intervalMs);
        next++;
      }
      if (next < total) setTimeout(tick, Math.max(0, Math.min(intervalMs, start + next * intervalMs - performance.now())));
      else {
        allSent = true;
        if (outstanding === 0) resolveAll(undefined);
      }
    };
    setTimeout(tick, 10);
  });
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const round = (x) => Math.round(x * 10) / 10;
  return {
    due: total,
    ok,
    non2xx,
    errors,
    p50: round(percentile(latencies, 0.5)),
    p99: round(percentile(latencies, 0.99)),
    max: round(latencies.at(-1) ?? Number.NaN),
    achievedPerS: ok / Math.max(1e-9, (lastAnswer - start) / 1000),
    worstPerSecond: Array.from(worstPerSecond, (x) => Math.round(x ?? 0)),
  };
}
