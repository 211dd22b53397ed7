import { UsageMeter } from './usage-meter';

const call = { model: 'gpt-4o-mini', prompt_tokens: 10, completion_tokens: 5, total_tokens: 15, cost_usd: 0.00001 };

describe('UsageMeter.lastAnswerAt', () => {
  it('is null until a call is recorded, then the time its answer was read (also when the call goes over the budget)', () => {
    const meter = new UsageMeter({ max_tokens: 20, max_cost_usd: null }, [call]);
    // Usage carried over from an earlier attempt is not an answer of this one.
    expect(meter.lastAnswerAt).toBeNull();
    const before = Date.now();
    expect(() => meter.record(call)).toThrow(/over its budget/);
    const after = Date.now();
    expect(meter.lastAnswerAt).toBeGreaterThanOrEqual(before);
    expect(meter.lastAnswerAt).toBeLessThanOrEqual(after);
    expect(meter.usages).toHaveLength(2);
  });
});
