import { ValidationError } from '@agent-orchestrator/domain';
import { InMemoryStore } from '@agent-orchestrator/persistence/testing';
import { GetMetricsHistory, MAX_HISTORY_POINTS } from './metrics-history.query';

const NOW = new Date('2030-01-08T12:00:00.000Z');
const H = 3_600_000;

function setup() {
  const store = new InMemoryStore();
  const list = jest.spyOn(store.repositories.taskCounters, 'history');
  return { store, list, history: new GetMetricsHistory({ counters: store.repositories.taskCounters, now: () => NOW }) };
}

describe('GetMetricsHistory', () => {
  it('defaults to the last 24 hours, and to 24 hours from `from` (not past now) or before `to`', async () => {
    const { history, list } = setup();
    await expect(history.execute({})).resolves.toMatchObject({ from: new Date(NOW.getTime() - 24 * H), to: NOW, snapshots: [] });
    expect(list).toHaveBeenLastCalledWith({ from: new Date(NOW.getTime() - 24 * H), to: NOW, limit: MAX_HISTORY_POINTS });
    await expect(history.execute({ from: new Date(NOW.getTime() - 2 * H) })).resolves.toMatchObject({ to: NOW });
    await expect(history.execute({ from: new Date(NOW.getTime() - 48 * H) })).resolves.toMatchObject({ to: new Date(NOW.getTime() - 24 * H) });
    await expect(history.execute({ to: new Date(NOW.getTime() - 10 * H) })).resolves.toMatchObject({ from: new Date(NOW.getTime() - 34 * H) });
  });

  it('refuses a reversed range and one longer than 7 days, naming the parameter', async () => {
    const { history, list } = setup();
    const reversed = await history.execute({ from: NOW, to: new Date(NOW.getTime() - H) }).catch((e: unknown) => e);
    expect(reversed).toBeInstanceOf(ValidationError);
    expect((reversed as ValidationError).details).toEqual([{ field: 'from', message: 'from must not be after to' }]);
    const long = await history.execute({ from: new Date(NOW.getTime() - 7 * 24 * H - 1), to: NOW }).catch((e: unknown) => e);
    expect((long as ValidationError).details).toEqual([{ field: 'to', message: 'the range from..to must be at most 7 days; ask for several ranges' }]);
    expect(list).not.toHaveBeenCalled();
  });

  it('answers SERVICE_UNAVAILABLE when the database is down', async () => {
    const { history, store } = setup();
    store.down = true;
    await expect(history.execute({})).rejects.toMatchObject({ type: 'SERVICE_UNAVAILABLE', message: 'The metrics history could not be read because the database is unavailable. Try again shortly.' });
  });
});
