import { recordingLogger } from '../testing';
import type { Lease } from '../ports/lease.port';
import { startLeasedLoop } from './leased-loop';

/** Leases over one shared holder, like one Redis key. */
function leases() {
  let holder: string | null = null;
  return (owner: string): Lease => ({
    hold: async () => (holder === null || holder === owner ? ((holder = owner), true) : false),
    release: async () => void (holder === owner && (holder = null)),
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('startLeasedLoop', () => {
  it('runs passes only in the holder of the lease; another takes over once it is given back', async () => {
    const lease = leases();
    const { logger } = recordingLogger();
    const passes = { a: 0, b: 0 };
    const loop = (owner: 'a' | 'b') => startLeasedLoop({ lease: lease(owner), intervalMs: 10, logger, failureMessage: 'pass failed', run: async () => void passes[owner]++ });
    const a = loop('a');
    await sleep(30);
    const b = loop('b');
    await sleep(60);
    expect(passes.a).toBeGreaterThan(1);
    expect(passes.b).toBe(0);
    await a.stop();
    const before = passes.a;
    await sleep(60);
    expect(passes.b).toBeGreaterThan(0);
    expect(passes.a).toBe(before);
    await b.stop();
  });

  it('logs a failed pass (or lease) and tries again on the next one', async () => {
    const { logger, records } = recordingLogger();
    let calls = 0;
    const loop = startLeasedLoop({
      lease: { hold: async () => true, release: async () => undefined },
      intervalMs: 10,
      logger,
      failureMessage: 'reconciler pass failed; trying again on the next one',
      run: async () => {
        calls += 1;
        throw new Error('db down');
      },
    });
    await sleep(60);
    await loop.stop();
    expect(calls).toBeGreaterThan(1);
    expect(records[0]).toMatchObject({ level: 'warn', message: 'reconciler pass failed; trying again on the next one', error_message: 'db down' });
  });
});
