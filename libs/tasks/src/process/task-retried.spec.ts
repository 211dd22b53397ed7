import { randomUUID } from 'node:crypto';
import { newTask } from '@agent-orchestrator/domain';
import { InMemoryTaskQueue, RecordingTaskEvents, recordingLogger } from '../testing';
import { InMemoryStore } from '@agent-orchestrator/persistence/testing';
import { onDeliveryFailed } from './task-retried';

describe('onDeliveryFailed (task.retried)', () => {
  it('emits task.retried for each failed delivery the queue runs again, and only logs the last one', async () => {
    const store = new InMemoryStore();
    const task = newTask({ task_id: randomUUID(), session_id: 'sess', task: 't', metadata: { ip: null, user_agent: null, request_id: 'req-r', environment: 'test' }, now: new Date() });
    await store.repositories.tasks.create(task);
    const events = new RecordingTaskEvents();
    const { logger, records } = recordingLogger();
    const queue = new InMemoryTaskQueue(3);
    const outcomes: Promise<string>[] = [];
    await queue.enqueue(task.task_id, { tenant: 'default' });
    await queue.consume(
      async ({ delivery }) => {
        throw Object.assign(new Error(`database unavailable (${delivery})`), { type: 'SERVICE_UNAVAILABLE' });
      },
      { concurrency: 1, onFailed: (failed) => void outcomes.push(onDeliveryFailed(failed, { events, tasks: store.repositories.tasks, logger })) },
    );
    await queue.drained();
    expect(await Promise.all(outcomes)).toEqual(['retried', 'retried', 'final']);
    expect(events.events.map((e) => [e.event, e.level, e.session_id, e.request_id, e.data['attempt'], e.data['next_attempt']])).toEqual([
      ['task.retried', 'warn', 'sess', 'req-r', 1, 2],
      ['task.retried', 'warn', 'sess', 'req-r', 2, 3],
    ]);
    expect(events.events[0]!.data).toMatchObject({ max_attempts: 3, error_type: 'SERVICE_UNAVAILABLE', error_message: 'database unavailable (1)' });
    expect(records.map((r) => [r.level, r.message, r['attempt']])).toEqual([
      ['error', 'job failed; Bull will retry it', 1],
      ['error', 'job failed; Bull will retry it', 2],
      ['error', 'job failed; no attempts left', 3],
    ]);
  });

  it('still emits, with what the delivery knows, when the task cannot be read', async () => {
    const events = new RecordingTaskEvents();
    const { logger } = recordingLogger();
    const taskId = randomUUID();
    const tasks = { findById: () => Promise.reject(new Error('down')) };
    expect(await onDeliveryFailed({ task_id: taskId, delivery: 1, willRetry: true, maxDeliveries: 3, error: new Error('boom') }, { events, tasks, logger })).toBe('retried');
    expect(events.events[0]).toMatchObject({ event: 'task.retried', task_id: taskId, session_id: '', request_id: null, data: { attempt: 1, error_type: 'INTERNAL_ERROR' } });
  });
});
