import { Writable } from 'node:stream';
import type { TaskEvent } from '@agent-orchestrator/domain';
import winston from 'winston';
import { createLogger } from './logger';
import { TaskEventLog, eventMessage } from './task-events';

const AT = new Date('2030-01-02T03:04:05.000Z');
const SUBJECT = { task_id: 't-1', session_id: 's-1', request_id: 'req-1' };

function capture() {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({ service: 'worker', level: 'debug' });
  logger.clear().add(new winston.transports.Stream({ stream: new Writable({ write: (c, _e, cb) => (lines.push(JSON.parse(String(c))), cb()) }) }));
  return { logger, lines };
}

describe('TaskEventLog', () => {
  it('names the default message after the event', () => {
    expect(eventMessage('task.picked_up')).toBe('task picked up');
    expect(eventMessage('agent.finished')).toBe('agent finished');
  });

  it('logs one line with the task fields and the figures, then hands the event to every sink', () => {
    const { logger, lines } = capture();
    const seen: TaskEvent[] = [];
    const events = new TaskEventLog(logger, 'worker', () => AT).addSink((e) => seen.push(e));
    events.emit(SUBJECT, 'task.routed', { confidence: 0.9 }, { agent_name: 'CodeAgent' });

    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 'info', message: 'task routed', event: 'task.routed', task_id: 't-1', session_id: 's-1', request_id: 'req-1', agent_name: 'CodeAgent', confidence: 0.9 });
    expect(seen).toEqual([
      { event: 'task.routed', level: 'info', message: 'task routed', timestamp: AT, task_id: 't-1', session_id: 's-1', request_id: 'req-1', agent_name: 'CodeAgent', service: 'worker', data: { confidence: 0.9 } },
    ]);
  });

  it('keeps going when a sink throws, and says so', () => {
    const { logger, lines } = capture();
    const seen: string[] = [];
    const events = new TaskEventLog(logger, 'worker')
      .addSink(() => {
        throw new Error('sink down');
      })
      .addSink((e) => seen.push(e.event));
    events.emit(SUBJECT, 'task.failed', { error_type: 'TIMEOUT' }, { level: 'warn' });
    expect(seen).toEqual(['task.failed']);
    expect(lines.map((l) => [l.level, l.message])).toEqual([
      ['warn', 'task failed'],
      ['warn', 'task event sink failed'],
    ]);
  });
});
