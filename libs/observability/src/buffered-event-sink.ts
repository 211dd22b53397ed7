/**
 * The LOG_TO_MONGO sink of TaskEventLog: keeps lifecycle events in a bounded
 * in-memory buffer and hands them in batches, from a timer, to a TaskEventWriter
 * (in the apps, persistence's TaskEventRepository: no MongoDB code here), so a
 * slow or unavailable store never slows or fails a task. When the buffer is full
 * the oldest events are dropped and counted (`dropped`), with a warning.
 */
import type { TaskEvent } from '@agent-orchestrator/domain';
import type { Logger } from './logger';
import { redact, redactText } from './redact';
import type { TaskEventSink } from './task-events';

/** Where the batches go: persistence's TaskEventRepository. */
export interface TaskEventWriter {
  appendMany(events: readonly TaskEvent[]): Promise<void>;
}

export interface BufferedEventSinkOptions {
  writer: TaskEventWriter;
  logger: Pick<Logger, 'warn' | 'info'>;
  /** Most events held; past it the oldest go. */
  bufferSize: number;
  flushIntervalMs: number;
  /** Most events per insert. Default 500. */
  batchSize?: number;
}

export class BufferedEventSink {
  private buffer: TaskEvent[] = [];
  private droppedTotal = 0;
  /** Dropped since the last warning, so a long outage gives one warning per flush, not one per event. */
  private droppedUnreported = 0;
  private failing = false;
  private flushing: Promise<void> | undefined;
  private readonly timer: NodeJS.Timeout;
  private closed = false;

  constructor(private readonly options: BufferedEventSinkOptions) {
    this.timer = setInterval(() => void this.flush(), options.flushIntervalMs);
    this.timer.unref();
  }

  /** Pass to `TaskEventLog.addSink`. Synchronous, O(1), never throws. */
  readonly sink: TaskEventSink = (event) => {
    if (this.closed) return;
    // Redacted on the way in: what is stored never holds a secret, whatever a caller put in `data`.
    this.buffer.push({ ...event, message: redactText(event.message), data: redact(event.data) as Record<string, unknown> });
    this.trim();
  };

  /** Events dropped since start because the buffer was full. */
  get dropped(): number {
    return this.droppedTotal;
  }

  /** Events waiting to be written. */
  get pending(): number {
    return this.buffer.length;
  }

  /** Writes what is buffered, one batch at a time; concurrent calls share the same run. Never rejects. */
  flush(): Promise<void> {
    this.flushing ??= this.drain().finally(() => {
      this.flushing = undefined;
    });
    return this.flushing;
  }

  /** Stops the timer and writes what is left, giving up after `timeoutMs` (shutdown must not hang on a dead database). */
  async close(timeoutMs = 5000): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
      timer.unref();
    });
    await Promise.race([this.flush(), late]);
    clearTimeout(timer);
    if (this.buffer.length > 0) this.options.logger.warn('task events not written to MongoDB at shutdown', { count: this.buffer.length });
  }

  private async drain(): Promise<void> {
    const size = this.options.batchSize ?? 500;
    this.reportDrops();
    while (this.buffer.length > 0) {
      const batch = this.buffer.slice(0, size);
      try {
        await this.options.writer.appendMany(batch);
      } catch (err) {
        // Kept for the next flush (unless newer events push them out of the buffer).
        if (!this.failing) {
          this.options.logger.warn('task events could not be written to MongoDB; buffering', {
            error_message: err instanceof Error ? err.message : String(err),
            pending: this.buffer.length,
          });
        }
        this.failing = true;
        return;
      }
      // Only what was written goes; events that arrived meanwhile were appended after it.
      this.buffer.splice(0, batch.length);
      if (this.failing) this.options.logger.info('task events are written to MongoDB again', { dropped_total: this.droppedTotal });
      this.failing = false;
    }
  }

  private trim(): void {
    const excess = this.buffer.length - this.options.bufferSize;
    if (excess <= 0) return;
    this.buffer.splice(0, excess);
    this.droppedTotal += excess;
    this.droppedUnreported += excess;
  }

  private reportDrops(): void {
    if (this.droppedUnreported === 0) return;
    this.options.logger.warn('task event buffer full: oldest events dropped, not written to MongoDB', {
      dropped: this.droppedUnreported,
      dropped_total: this.droppedTotal,
      buffer_size: this.options.bufferSize,
    });
    this.droppedUnreported = 0;
  }
}
