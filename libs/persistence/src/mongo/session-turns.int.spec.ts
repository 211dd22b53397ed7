// Integration test: needs MongoDB (or FerretDB) at MONGO_URI, provided by the Jest globalSetup.
// The router's context from the session's recent slice (issue 11, goal 3): the same answers as the
// indexed queries by session_id, read by primary key.
import { randomUUID } from 'node:crypto';

import { replyMessageId, type Message, type Task } from '@agent-orchestrator/domain';

import { createModels } from '../models/models';
import type { Repositories } from '../repositories';
import { makeTask, tick, useTestDatabase } from '../testing/mongo-test-env';
import { MongoMessageRepository } from './message.repository';
import { openConnection } from './open-connection';
import { RECENT_TURNS_KEPT } from './session-turns';
import { MongoTaskRepository } from './task.repository';

const db = useTestDatabase();
let repos: Repositories;
/** The same repositories without the slice: the indexed queries by session_id, the reference. */
let byQuery: { tasks: MongoTaskRepository; messages: MongoMessageRepository };
let closeReference: () => Promise<void>;

beforeAll(async () => {
  repos = db.store.repositories;
  const { conn, ctx } = await openConnection({ uri: db.uri, dbName: db.dbName });
  const models = createModels(conn);
  byQuery = { tasks: new MongoTaskRepository(models.tasks, ctx), messages: new MongoMessageRepository(models.messages, ctx) };
  closeReference = () => conn.close();
});
afterAll(async () => closeReference());

/** What the accept does (touch with the turn, user message, task), then the worker's reply `replyAfter` ms later. */
async function accept(session_id: string, text: string, replyAfterMs?: number): Promise<Task> {
  const task = makeTask({ session_id, task: text, status: 'completed', selected_agent: 'ContentAgent' });
  const message_id = randomUUID();
  await repos.sessions.touch(session_id, task.created_at, { task_id: task.task_id, message_id, created_at: task.created_at });
  await repos.messages.append({ message_id, session_id, task_id: task.task_id, role: 'user', content: text, agent_name: null, created_at: task.created_at });
  await repos.tasks.create(task);
  if (replyAfterMs !== undefined) {
    const reply: Message = { message_id: replyMessageId(task.task_id), session_id, task_id: task.task_id, role: 'assistant', content: `re: ${text}`, agent_name: 'ContentAgent', created_at: new Date(task.created_at.getTime() + replyAfterMs) };
    await repos.messages.put(reply);
  }
  return task;
}

/** Both paths, for a task of the session as task-context.ts asks. */
async function contextOf(task: Task, historyLimit = 10) {
  const tasksQuery = { limit: 5, excludeTaskId: task.task_id, createdAtOrBefore: task.created_at };
  const messagesQuery = { limit: historyLimit + 1, before: task.created_at };
  return {
    slice: { tasks: await repos.tasks.recentBySession(task.session_id, tasksQuery), messages: await repos.messages.recentBySession(task.session_id, messagesQuery) },
    query: { tasks: await byQuery.tasks.recentBySession(task.session_id, tasksQuery), messages: await byQuery.messages.recentBySession(task.session_id, messagesQuery) },
  };
}

describe('the session recent slice', () => {
  it('answers recentBySession as the indexed queries do, newest, retried and first tasks alike', async () => {
    const session_id = randomUUID();
    const tasks: Task[] = [];
    // Replies come 500 ms after their task, and one long task (t2) answers after later tasks were accepted.
    for (let i = 0; i < 9; i++) tasks.push(await accept(session_id, `t${i}`, i === 2 ? 5_500 : 500));
    for (const task of [tasks[8]!, tasks[3]!, tasks[0]!, tasks[5]!]) {
      const { slice, query } = await contextOf(task);
      expect(slice).toEqual(query);
    }
    const { slice } = await contextOf(tasks[8]!);
    expect(slice.tasks.map((t) => t.task)).toEqual(['t7', 't6', 't5', 't4', 't3']);
    expect(slice.messages.map((m) => m.content).slice(0, 3)).toEqual(['t3', 're: t3', 't4']);
    expect(slice.messages).toHaveLength(11);
    expect(slice.messages.map((m) => m.content)).toContain('re: t2');
  });

  it('is what answers: tasks and messages are found by primary key, not by session_id', async () => {
    const session_id = randomUUID();
    const first = await accept(session_id, 'first', 500);
    const second = await accept(session_id, 'second');
    // Hide the session from the indexed queries: only the slice still knows.
    await db.raw.collection('tasks').updateMany({ session_id }, { $set: { session_id: 'elsewhere' } });
    await db.raw.collection('messages').updateMany({ session_id }, { $set: { session_id: 'elsewhere' } });
    expect((await repos.tasks.recentBySession(session_id, { limit: 5, excludeTaskId: second.task_id, createdAtOrBefore: second.created_at })).map((t) => t.task_id)).toEqual([first.task_id]);
    expect((await repos.messages.recentBySession(session_id, { limit: 11, before: second.created_at })).map((m) => m.content)).toEqual(['first', 're: first']);
    expect(await byQuery.tasks.recentBySession(session_id, { limit: 5 })).toEqual([]);
  });

  it(`keeps at most ${RECENT_TURNS_KEPT} turns, and falls back to the queries for what it dropped`, async () => {
    const session_id = randomUUID();
    const tasks: Task[] = [];
    for (let i = 0; i < RECENT_TURNS_KEPT + 4; i++) tasks.push(await accept(session_id, `t${i}`, 100));
    const session = await db.raw.collection('sessions').findOne({ _id: session_id as never });
    expect(session?.['recent']).toHaveLength(RECENT_TURNS_KEPT);
    expect(session).toMatchObject({ recent_len: RECENT_TURNS_KEPT, recent_complete: false, task_count: RECENT_TURNS_KEPT + 4 });
    // The newest task: from the slice. The oldest ones (their predecessors were dropped): from the queries. Both exact.
    for (const task of [tasks.at(-1)!, tasks[6]!, tasks[2]!]) {
      const { slice, query } = await contextOf(task);
      expect(slice).toEqual(query);
    }
    expect((await contextOf(tasks[2]!)).slice.tasks.map((t) => t.task)).toEqual(['t1', 't0']);
  });

  it('a touch without a turn (or a session from before the slice) leaves the queries in charge', async () => {
    const session_id = randomUUID();
    await repos.sessions.touch(session_id, tick());
    const task = await repos.tasks.create(makeTask({ session_id }));
    const later = makeTask({ session_id });
    expect((await repos.tasks.recentBySession(session_id, { limit: 5, excludeTaskId: later.task_id, createdAtOrBefore: later.created_at })).map((t) => t.task_id)).toEqual([task.task_id]);
  });
});
