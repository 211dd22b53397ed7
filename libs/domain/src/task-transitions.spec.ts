import { TASK_EVENT_TYPES } from './task-events';
import { TASK_MOVES, allowedFrom, canMove, moveEvent, type TaskMove } from './task-transitions';
import { TASK_STATUSES, TERMINAL_TASK_STATUSES } from './task';

describe('task moves', () => {
  const moves = Object.keys(TASK_MOVES) as TaskMove[];

  it('never moves a task out of a terminal status, except a retry out of failed', () => {
    for (const move of moves) {
      const terminal = allowedFrom(move).filter((s) => TERMINAL_TASK_STATUSES.includes(s));
      expect({ move, terminal }).toEqual({ move, terminal: move === 'retry' ? ['failed'] : [] });
    }
  });

  it('uses only known statuses and events', () => {
    for (const move of moves) {
      const rule = TASK_MOVES[move];
      for (const s of rule.from) expect(TASK_STATUSES).toContain(s);
      if (rule.to !== null) expect(TASK_STATUSES).toContain(rule.to);
      if (rule.event !== null) expect(TASK_EVENT_TYPES).toContain(rule.event);
    }
  });

  it('answers canMove from the table', () => {
    expect(canMove('queued', 'pick_up')).toBe(true);
    expect(canMove('processing', 'pick_up')).toBe(true);
    expect(canMove('completed', 'pick_up')).toBe(false);
    expect(canMove('queued', 'complete')).toBe(false);
    expect(canMove('failed', 'retry')).toBe(true);
    expect(canMove('cancelled', 'retry')).toBe(false);
    expect(canMove('queued', 'request_cancel')).toBe(false);
    expect(canMove('processing', 'checkpoint')).toBe(true);
    expect(canMove('queued', 'checkpoint')).toBe(false);
    expect(canMove('completed', 'checkpoint')).toBe(false);
  });

  it('names the event of each status move', () => {
    expect(moveEvent('complete')).toBe('task.completed');
    expect(moveEvent('cancel')).toBe('task.cancelled');
    expect(moveEvent('request_cancel')).toBeNull();
  });

  it('reaches every terminal status from a running task', () => {
    const reached = moves.filter((m) => canMove('processing', m)).map((m) => TASK_MOVES[m].to);
    for (const s of TERMINAL_TASK_STATUSES) expect(reached).toContain(s);
  });
});
