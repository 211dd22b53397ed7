import { ValidationError, newTask, type AgentRun, type Message, type Task } from '@agent-orchestrator/domain';
import mongoose from 'mongoose';

import { agentRunSchema } from '../models/agent-run.model';
import { messageSchema } from '../models/message.model';
import { taskSchema } from '../models/task.model';
import { agentRunDocument, messageDocument, taskDocument } from './documents';
import { toAgentRun, toMessage, toTask } from './mappers';

// Models on a private mongoose instance with no connection: only to build and validate documents.
const m = new mongoose.Mongoose();
const TaskModel = m.model('Task', taskSchema);
const MessageModel = m.model('Message', messageSchema);
const AgentRunModel = m.model('AgentRun', agentRunSchema);

/** What mongoose would store for `value`: the document it builds, defaults and casting applied, `_id` kept. */
const storedByMongoose = (Model: typeof TaskModel | typeof MessageModel | typeof AgentRunModel, value: object): unknown =>
  new (Model as typeof TaskModel)(value).toObject({ transform: false, versionKey: false, minimize: false, depopulate: true });

const now = new Date('2025-03-01T10:00:00.000Z');
const later = (s: number) => new Date(now.getTime() + s * 1000);

const fresh = (): Task =>
  newTask({ task_id: 't-1', session_id: 's-1', task: 'Explain closures', metadata: { ip: null, user_agent: 'curl/8', request_id: 'r-1', environment: 'test' }, now });

function everyField(): Task {
  const usage = [{ model: 'gpt-4o-mini', prompt_tokens: 10, completion_tokens: 20, total_tokens: 30, cost_usd: 0.001 }];
  return {
    ...newTask({ task_id: 't-2', session_id: 's-2', task: 'Write code', metadata: { ip: '203.0.113.7', user_agent: 'jest', request_id: 'r-2', environment: 'prod', api_key_id: 'k-1' }, now, budget: { max_tokens: 5000, max_cost_usd: null } }),
    status: 'failed',
    started_at: later(1),
    completed_at: later(9),
    selected_agent: 'CodeAgent',
    agent_type: 'code',
    agent_version: '1.2.3',
    peer_routing_reason: 'mentions code',
    confidence: 0.93,
    result: { summary: null, raw_output: '', code_language: 'python', citations: [{ source: 'tavily', title: null, url: 'https://example.com' }] },
    error: { type: 'LLM_TIMEOUT', message: 'slow' },
    usage: { prompt_tokens: 10, completion_tokens: 20, total_tokens: 30, cost_usd: 0.001, by_model: usage },
    attempts: 2,
    cancel_requested_at: later(5),
    retries: [{ error: { type: 'LLM_TIMEOUT', message: 'slow' }, failed_at: later(3), retried_at: later(4), attempts: 1 }],
    checkpoints: {
      route: { decision: { status: 'routed', agent_name: 'CodeAgent', confidence: 0.9, reasoning: 'code' }, model: 'gpt-4o-mini', usage, finished_at: later(2) },
      agent: { agent_name: 'CodeAgent', agent_version: '1.2.3', model: null, output: { agent_name: 'CodeAgent', content: 'x', code_language: null, citations: [], summary: null }, usage: [], finished_at: later(6) },
    },
    reused_steps: ['route'],
    tenant_id: 'acme',
  };
}

describe('taskDocument', () => {
  it.each([
    ['a new task', fresh],
    ['a task with every field set', everyField],
  ])('stores %s exactly as the mongoose model would, with _id = task_id', async (_, make) => {
    const task = make();
    const built = taskDocument(task);
    expect(built).toEqual(storedByMongoose(TaskModel, { _id: task.task_id, ...task }));
    expect(built['_id']).toBe(task.task_id);
    // Valid against the schema, and read back as the same task.
    await expect(new TaskModel(built).validate()).resolves.toBeUndefined();
    expect(toTask(built)).toEqual(task);
  });

  it('never writes keys the schema does not know', () => {
    const task = { ...fresh(), extra: 'x', metadata: { ...fresh().metadata, injected: { $gt: '' } } } as unknown as Task;
    const built = taskDocument(task);
    expect(built).not.toHaveProperty('extra');
    expect(built['metadata']).not.toHaveProperty('injected');
  });

  it.each([
    ['a non-string task_id', { task_id: { $gt: '' } }],
    ['an unknown status', { status: 'done' }],
    ['an invalid date', { created_at: new Date(Number.NaN) }],
    ['negative usage', { usage: { prompt_tokens: -1, completion_tokens: 0, total_tokens: 0, cost_usd: 0, by_model: [] } }],
    ['a budget below the schema minimum', { budget: { max_tokens: 0, max_cost_usd: null } }],
    ['an empty tenant_id', { tenant_id: '' }],
    ['a tenant_id that is not a string', { tenant_id: { $ne: null } }],
  ])('refuses %s, as the schema would', (_, change) => {
    const task = { ...fresh(), ...change } as unknown as Task;
    expect(() => taskDocument(task)).toThrow(ValidationError);
  });
});

describe('messageDocument', () => {
  const message: Message = { message_id: 'm-1', session_id: 's-1', task_id: 't-1', role: 'user', content: 'hi', agent_name: null, created_at: now };

  it('stores a message exactly as the mongoose model would, with _id = message_id', async () => {
    const built = messageDocument(message);
    expect(built).toEqual(storedByMongoose(MessageModel, { _id: message.message_id, ...message }));
    await expect(new MessageModel(built).validate()).resolves.toBeUndefined();
    expect(toMessage(built)).toEqual(message);
  });

  it('refuses an unknown role', () => {
    expect(() => messageDocument({ ...message, role: 'system' as never })).toThrow(ValidationError);
  });
});

describe('agentRunDocument', () => {
  const usage = [{ model: 'gpt-4o-mini', prompt_tokens: 10, completion_tokens: 20, total_tokens: 30, cost_usd: null }];
  const success: AgentRun = {
    run_id: 'r-1', task_id: 't-1', session_id: 's-1', kind: 'agent', agent_name: 'CodeAgent', agent_version: '1.0.0', model: 'gpt-4o-mini', attempt: 1,
    input: 'Write code', output: 'print(1)', outcome: 'success', error: null, usage, prompt_tokens: 10, completion_tokens: 20, total_tokens: 30, cost_usd: null,
    started_at: now, finished_at: later(2), duration_ms: 2000,
  };
  const failure: AgentRun = { ...success, run_id: 'r-2', kind: 'router', model: null, output: null, outcome: 'failure', error: { type: 'LLM_TIMEOUT', message: 'slow' }, usage: [], prompt_tokens: 0, completion_tokens: 0, total_tokens: 0, cost_usd: 0.25 };

  it.each([
    ['a successful run', success],
    ['a failed run', failure],
  ])('stores %s exactly as the mongoose model would (the driver adds the ObjectId _id)', async (_, run) => {
    const built = agentRunDocument(run);
    const { _id, ...stored } = storedByMongoose(AgentRunModel, run) as Record<string, unknown>;
    expect(_id).toBeDefined();
    expect(built).toEqual(stored);
    await expect(new AgentRunModel(built).validate()).resolves.toBeUndefined();
    expect(toAgentRun(built)).toEqual(run);
  });

  it('never writes keys the schema does not know', () => {
    const built = agentRunDocument({ ...success, extra: 'x', error: { type: 'X', message: 'm', injected: { $gt: '' } } } as unknown as AgentRun);
    expect(built).not.toHaveProperty('extra');
    expect(built['error']).toEqual({ type: 'X', message: 'm' });
  });

  it.each([
    ['a non-string run_id', { run_id: { $gt: '' } }],
    ['an empty agent_name', { agent_name: '' }],
    ['an unknown kind', { kind: 'tool' }],
    ['an unknown outcome', { outcome: 'done' }],
    ['a negative attempt', { attempt: -1 }],
    ['negative usage', { usage: [{ ...usage[0], prompt_tokens: -1 }] }],
    ['an invalid date', { finished_at: new Date(Number.NaN) }],
    ['a negative cost', { cost_usd: -1 }],
  ])('refuses %s, as the schema would', (_, change) => {
    expect(() => agentRunDocument({ ...success, ...change } as unknown as AgentRun)).toThrow(ValidationError);
  });
});
