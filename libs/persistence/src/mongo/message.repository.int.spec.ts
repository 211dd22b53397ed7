// Integration test: needs MongoDB (or FerretDB) at MONGO_URI, provided by the Jest globalSetup.
import { randomUUID } from 'node:crypto';

import { ValidationError, replyMessageId, type Message } from '@agent-orchestrator/domain';

import { DuplicateKeyError } from '../errors';
import type { MessageRepository } from '../repositories';
import { tick, useTestDatabase } from '../testing/mongo-test-env';

const db = useTestDatabase();
let messages: MessageRepository;

beforeAll(() => {
  messages = db.store.repositories.messages;
});

function makeMessage(overrides: Partial<Message> = {}): Message {
  return {
    message_id: randomUUID(),
    session_id: 'session-1',
    task_id: 'task-1',
    role: 'user',
    content: 'hello',
    agent_name: null,
    created_at: tick(),
    ...overrides,
  };
}

describe('MongoMessageRepository', () => {
  it('put writes a reply once and replaces its content when the task runs again, keeping created_at', async () => {
    const task_id = randomUUID();
    const first = makeMessage({ message_id: replyMessageId(task_id), task_id, session_id: 'session-put', role: 'assistant', content: 'first run', agent_name: 'CodeAgent' });
    await messages.put(first);
    await messages.put({ ...first, content: 'second run', agent_name: 'ContentAgent', created_at: tick() });

    const stored = await messages.listByTask(task_id);
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ message_id: replyMessageId(task_id), role: 'assistant', content: 'second run', agent_name: 'ContentAgent', session_id: 'session-put' });
    expect(stored[0]!.created_at.getTime()).toBe(first.created_at.getTime());
  });

  it('put from concurrent runs of one task leaves exactly one reply', async () => {
    const task_id = randomUUID();
    await Promise.all(Array.from({ length: 8 }, (_, i) => messages.put(makeMessage({ message_id: replyMessageId(task_id), task_id, role: 'assistant', content: `run ${i}` }))));
    const stored = await messages.listByTask(task_id);
    expect(stored).toHaveLength(1);
    expect(stored[0]!.content).toMatch(/^run [0-7]$/);
  });

  it('put of many tasks\' replies in the same turn stores each one with its own content', async () => {
    const replies = Array.from({ length: 5 }, (_, i) => makeMessage({ message_id: replyMessageId(`task-put-batch-${i}`), task_id: `task-put-batch-${i}`, role: 'assistant', content: `reply ${i}`, agent_name: 'CodeAgent' }));
    await Promise.all(replies.map((m) => messages.put(m)));
    for (const reply of replies) expect(await messages.listByTask(reply.task_id)).toEqual([reply]);
  });

  it('recentBySession returns the last `limit` messages, oldest first', async () => {
    const session_id = 'session-recent';
    const seeded: Message[] = [];
    for (let i = 0; i < 6; i++) {
      const m = makeMessage({
        session_id,
        task_id: `task-${Math.floor(i / 2)}`,
        role: i % 2 === 0 ? 'user' : 'assistant',
        agent_name: i % 2 === 0 ? null : 'ContentAgent',
        content: `m${i}`,
      });
      await messages.append(m);
      seeded.push(m);
    }
    await messages.append(makeMessage({ session_id: 'another-session' }));

    expect(await messages.recentBySession(session_id, { limit: 4 })).toEqual(seeded.slice(2));
    expect(await messages.recentBySession(session_id, { limit: 100 })).toEqual(seeded);
    expect(await messages.recentBySession(session_id, { limit: 2, before: seeded[3]!.created_at })).toEqual(seeded.slice(1, 3));
    expect(await messages.recentBySession(session_id, { limit: 0 })).toEqual([]);
    expect(await messages.recentBySession('nobody', { limit: 5 })).toEqual([]);
  });

  it('listByTask returns the task messages in order, without _id', async () => {
    const a = makeMessage({ task_id: 'task-list', content: '' });
    const b = makeMessage({ task_id: 'task-list', role: 'assistant', agent_name: 'CodeAgent', content: 'answer' });
    await messages.append(b.created_at < a.created_at ? a : b);
    await messages.append(b.created_at < a.created_at ? b : a);
    const listed = await messages.listByTask('task-list');
    expect(listed).toEqual([a, b]);
    listed.forEach((m) => expect(m).not.toHaveProperty('_id'));
  });

  it('rejects a duplicate message_id and bad arguments', async () => {
    const m = makeMessage();
    await messages.append(m);
    await expect(messages.append(m)).rejects.toBeInstanceOf(DuplicateKeyError);
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    await expect(messages.recentBySession({ $ne: null } as any, { limit: 5 })).rejects.toBeInstanceOf(ValidationError);
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    await expect(messages.recentBySession('s', { limit: 5, before: '2025-01-01' as any })).rejects.toBeInstanceOf(ValidationError);
  });
});
