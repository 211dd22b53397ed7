import { ValidationError } from '@agent-orchestrator/domain';
import { validateBody } from '../http/validate-body';
import { createExecuteTaskDto } from './execute-task.dto';

const MAX = 20;
const Dto = createExecuteTaskDto({ taskMaxLength: MAX });

async function rejection(body: unknown): Promise<ValidationError> {
  try {
    await validateBody(Dto, body);
  } catch (err) {
    expect(err).toBeInstanceOf(ValidationError);
    return err as ValidationError;
  }
  throw new Error(`expected ${JSON.stringify(body)} to be rejected`);
}

async function fieldErrors(body: unknown): Promise<Record<string, string>> {
  const err = await rejection(body);
  return Object.fromEntries((err.details ?? []).map((d) => [d.field, d.message]));
}

describe('ExecuteTaskDto', () => {
  describe('accepts', () => {
    it('a task alone', async () => {
      await expect(validateBody(Dto, { task: 'Write a haiku' })).resolves.toEqual({ task: 'Write a haiku' });
    });

    it('a task with a session_id', async () => {
      const dto = await validateBody(Dto, { task: 'x', session_id: 'abc_DEF-123' });
      expect(dto).toEqual({ task: 'x', session_id: 'abc_DEF-123' });
    });

    it('trims the task', async () => {
      await expect(validateBody(Dto, { task: '  \n\tdo it \n ' })).resolves.toEqual({ task: 'do it' });
    });

    it('a task of exactly the maximum length', async () => {
      await expect(validateBody(Dto, { task: 'a'.repeat(MAX) })).resolves.toEqual({ task: 'a'.repeat(MAX) });
    });

    it('a task at the maximum length once trimmed', async () => {
      await expect(validateBody(Dto, { task: `  ${'a'.repeat(MAX)}  ` })).resolves.toEqual({ task: 'a'.repeat(MAX) });
    });

    it('unicode, counting characters rather than UTF-16 units', async () => {
      const emoji = '🚀'.repeat(MAX); // 2 UTF-16 units each
      expect(emoji.length).toBe(2 * MAX);
      await expect(validateBody(Dto, { task: emoji })).resolves.toEqual({ task: emoji });
      await expect(validateBody(Dto, { task: 'Çalış: 日本語のタスク ✓' })).resolves.toEqual({ task: 'Çalış: 日本語のタスク ✓' });
    });

    it('a session_id of 128 characters', async () => {
      const session_id = 's'.repeat(128);
      await expect(validateBody(Dto, { task: 'x', session_id })).resolves.toEqual({ task: 'x', session_id });
    });
  });

  describe('rejects task', () => {
    it.each([
      ['missing', {}],
      ['null', { task: null }],
      ['a number', { task: 42 }],
      ['a boolean', { task: true }],
      ['an operator object', { task: { $gt: '' } }],
      ['an array', { task: ['a'] }],
      ['an array of one string', { task: ['write a poem'] }],
    ])('when %s', async (_name, body) => {
      expect(await fieldErrors(body)).toEqual({ task: 'task must be a string' });
    });

    it.each([
      ['empty', ''],
      ['spaces', '   '],
      ['mixed whitespace', ' \n\t\r '],
    ])('when %s', async (_name, task) => {
      expect(await fieldErrors({ task })).toEqual({ task: 'task must not be empty or only whitespace' });
    });

    it('one character over the maximum', async () => {
      expect(await fieldErrors({ task: 'a'.repeat(MAX + 1) })).toEqual({ task: `task must be at most ${MAX} characters long` });
    });

    it('one unicode character over the maximum', async () => {
      expect(await fieldErrors({ task: '🚀'.repeat(MAX + 1) })).toEqual({ task: `task must be at most ${MAX} characters long` });
    });
  });

  describe('rejects session_id', () => {
    it.each([
      ['empty', ''],
      ['too long', 's'.repeat(129)],
      ['with a space', 'a b'],
      ['with a dot', 'a.b'],
      ['with a slash', 'a/b'],
      ['with non-ASCII letters', 'ñandú'],
      ['with a newline', 'abc\n'],
    ])('when %s', async (_name, session_id) => {
      expect(Object.keys(await fieldErrors({ task: 'x', session_id }))).toEqual(['session_id']);
    });

    it.each([
      ['null', null],
      ['a number', 123],
      ['an operator object', { $ne: null }],
      ['an array', ['abc']],
    ])('when %s', async (_name, session_id) => {
      expect(await fieldErrors({ task: 'x', session_id })).toEqual({ session_id: 'session_id must be a string' });
    });
  });

  describe('rejects the body', () => {
    it.each([
      ['an array', [{ task: 'x' }]],
      ['a string', 'task'],
      ['null', null],
      ['a number', 1],
    ])('when it is %s', async (_name, body) => {
      expect(await fieldErrors(body)).toEqual({ body: 'body must be a JSON object' });
    });

    it('with unknown properties, naming each', async () => {
      expect(await fieldErrors({ task: 'x', priority: 1, agent: 'CodeAgent' })).toEqual({
        priority: 'property priority should not exist',
        agent: 'property agent should not exist',
      });
    });

    it('with prototype-polluting keys', async () => {
      const body = JSON.parse('{"task":"x","__proto__":{"admin":true},"constructor":{"prototype":{}}}') as unknown;
      const err = await rejection(body);
      expect(err.details).toEqual([
        { field: '__proto__', message: 'property __proto__ should not exist' },
        { field: 'constructor', message: 'property constructor should not exist' },
      ]);
      expect(({} as Record<string, unknown>)['admin']).toBeUndefined();
    });

    it('reporting every bad field at once', async () => {
      expect(await fieldErrors({ task: 1, session_id: 'bad id', extra: true })).toEqual({
        task: 'task must be a string',
        session_id: expect.stringContaining('session_id must be 1 to 128'),
        extra: 'property extra should not exist',
      });
    });
  });

  it('uses the configured maximum', async () => {
    const Small = createExecuteTaskDto({ taskMaxLength: 3 });
    await expect(validateBody(Small, { task: 'abc' })).resolves.toEqual({ task: 'abc' });
    await expect(validateBody(Small, { task: 'abcd' })).rejects.toBeInstanceOf(ValidationError);
    await expect(validateBody(Dto, { task: 'abcd' })).resolves.toEqual({ task: 'abcd' });
  });
});
