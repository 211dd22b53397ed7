import type { TaskEvent } from '@agent-orchestrator/domain';
import { BufferedEventSink, type TaskEventWriter } from './buffered-event-sink';
import { REDACTED } from './redact';

function event(n: number, data: Record<string, unknown> = {}): TaskEvent {
  return {
    event: 'task.picked_up',
    level: 'info',
    message: 'task picked up',
    timestamp: new Date(Date.UTC(2025, 0, 1, 0, 0, n)),
    task_id: `task-${n}`,
    session_id: 's',
    request_id: 'r',
    agent_name: null,
    service: 'worker',
    data,
  };
}

/** A writer that stores batches, or fails while `down` is set. */
class RecordingWriter implements TaskEventWriter {
  batches: TaskEvent[][] = [];
  down = false;
  async appendMany(events: readonly TaskEvent[]): Promise<void> {
    if (this.down) throw new Error('connection refused');
    this.batches.push([...events]);
  }
  get written(): string[] {
    return this.batches.flat().map((e) => e.task_id);
  }
}

const quietLogger = () => ({ warn: jest.fn(), info: jest.fn() });

describe('BufferedEventSink', () => {
  const sinks: BufferedEventSink[] = [];
  afterEach(async () => {
    for (const s of sinks.splice(0)) await s.close(100);
  });
  const make = (writer: TaskEventWriter, logger = quietLogger(), bufferSize = 3, batchSize?: number) => {
    const sink = new BufferedEventSink({ writer, logger, bufferSize, flushIntervalMs: 60_000, batchSize });
    sinks.push(sink);
    return sink;
  };

  it('buffers without writing, then writes everything in order in batches on flush', async () => {
    const writer = new RecordingWriter();
    const sink = make(writer, quietLogger(), 10, 2);
    [1, 2, 3].forEach((n) => sink.sink(event(n)));
    expect(writer.batches).toEqual([]);
    expect(sink.pending).toBe(3);
    await sink.flush();
    expect(writer.batches.map((b) => b.length)).toEqual([2, 1]);
    expect(writer.written).toEqual(['task-1', 'task-2', 'task-3']);
    expect(sink.pending).toBe(0);
  });

  it('keeps events while the database is down, drops the oldest past the bound with one warning, and recovers', async () => {
    const writer = new RecordingWriter();
    const logger = quietLogger();
    const sink = make(writer, logger, 3);
    writer.down = true;
    sink.sink(event(1));
    await sink.flush();
    expect(logger.warn).toHaveBeenCalledWith(expect.stringContaining('could not be written'), expect.objectContaining({ error_message: 'connection refused' }));
    [2, 3, 4, 5].forEach((n) => sink.sink(event(n)));
    expect(sink.pending).toBe(3);
    expect(sink.dropped).toBe(2);
    writer.down = false;
    await sink.flush();
    expect(writer.written).toEqual(['task-3', 'task-4', 'task-5']);
    expect(logger.warn).toHaveBeenCalledWith(expect.stringContaining('oldest events dropped'), expect.objectContaining({ dropped: 2, dropped_total: 2 }));
    expect(logger.info).toHaveBeenCalledWith(expect.stringContaining('again'), { dropped_total: 2 });
  });

  it('never throws into the caller, even when the writer throws synchronously', async () => {
    const sink = make({
      appendMany: () => {
        throw new Error('boom');
      },
    });
    expect(() => sink.sink(event(1))).not.toThrow();
    await expect(sink.flush()).resolves.toBeUndefined();
    expect(sink.pending).toBe(1);
  });

  it('redacts secrets in data and message before they are buffered', async () => {
    const writer = new RecordingWriter();
    const sink = make(writer);
    sink.sink({
      ...event(1, { api_key: 'live-key-123', nested: { authorization: 'Bearer abc.def' }, note: 'uri mongodb://u:pw@h/db', api_key_id: 'ci' }),
      message: 'using sk-abcdefghijklmnop',
    });
    await sink.flush();
    const [stored] = writer.batches.flat();
    expect(stored!.data).toEqual({ api_key: REDACTED, nested: { authorization: REDACTED }, note: `uri mongodb://${REDACTED}@h/db`, api_key_id: 'ci' });
    expect(stored!.message).toBe(`using ${REDACTED}`);
  });

  it('flushes what is left on close and accepts nothing afterwards', async () => {
    const writer = new RecordingWriter();
    const sink = new BufferedEventSink({ writer, logger: quietLogger(), bufferSize: 10, flushIntervalMs: 60_000 });
    sink.sink(event(1));
    await sink.close();
    sink.sink(event(2));
    expect(writer.written).toEqual(['task-1']);
    expect(sink.pending).toBe(0);
  });

  it('gives up on close after the timeout when the database hangs, and says how many events were lost', async () => {
    const logger = quietLogger();
    const sink = new BufferedEventSink({ writer: { appendMany: () => new Promise(() => undefined) }, logger, bufferSize: 10, flushIntervalMs: 60_000 });
    sink.sink(event(1));
    await sink.close(20);
    expect(logger.warn).toHaveBeenCalledWith('task events not written to MongoDB at shutdown', { count: 1 });
  });
});
