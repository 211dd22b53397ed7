/**
 * The stream publisher's write window (STREAM_WRITE_WINDOW_MS): the events handed over within
 * `windowMs` of the first one, one per task, are stored in one insert (`TaskStreamRepository.appendMany`)
 * and the stored ones announced in one Redis pipeline (`TaskStreamBus.publishMany`), instead of
 * one insert and one PUBLISH each. Each `write` still resolves or rejects on its own event, as
 * `append` + `publish` did: the publisher's per-task order, numbering and retries are unchanged.
 * Batches may overlap (one is written while the next fills); a task has at most one event in
 * flight because the publisher writes each task's events one after another.
 */
import type { StreamEvent, StreamEventDraft } from '@agent-orchestrator/domain';
import type { TaskStreamRepository } from '@agent-orchestrator/persistence';
import type { TaskStreamBus } from '../ports/task-stream.port';

export interface StreamWriteBatchOptions {
  store: Pick<TaskStreamRepository, 'appendMany'>;
  bus: Pick<TaskStreamBus, 'publishMany'>;
  /** How long the first event of a batch waits for others (> 0). */
  windowMs: number;
  /** A batch this large is written at once. Default 500. */
  maxBatch?: number;
  /** An event stored but not announced (subscribers catch up from the store). */
  onUnannounced: (event: StreamEvent, err: Error) => void;
}

interface Entry {
  draft: StreamEventDraft;
  lastSeq: number;
  resolve: (event: StreamEvent) => void;
  reject: (err: unknown) => void;
}

export class StreamWriteBatch {
  private entries: Entry[] = [];
  private timer: NodeJS.Timeout | undefined;
  /** While > 0, a batch goes at the end of the current turn instead of after the window (the publisher is draining). */
  private hurrying = 0;
  private immediate: NodeJS.Immediate | undefined;

  constructor(private readonly options: StreamWriteBatchOptions) {}

  /** Stores `draft` as its task's next event (after `lastSeq`, the writer's guess) and announces it; resolves with it once stored. */
  write(draft: StreamEventDraft, lastSeq: number): Promise<StreamEvent> {
    return new Promise<StreamEvent>((resolve, reject) => {
      this.entries.push({ draft, lastSeq, resolve, reject });
      if (this.entries.length >= (this.options.maxBatch ?? 500)) this.send();
      else this.schedule();
    });
  }

  /** Until the returned function is called, batches are written as soon as the current turn ends (flush, close). */
  hurry(): () => void {
    this.hurrying += 1;
    if (this.entries.length > 0) this.schedule();
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.hurrying -= 1;
    };
  }

  private schedule(): void {
    if (this.hurrying > 0) {
      this.immediate ??= setImmediate(() => this.send());
      return;
    }
    if (this.timer) return;
    this.timer = setTimeout(() => this.send(), this.options.windowMs);
    this.timer.unref();
  }

  private send(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.immediate) clearImmediate(this.immediate);
    this.immediate = undefined;
    const batch = this.entries;
    this.entries = [];
    if (batch.length > 0) void this.writeBatch(batch);
  }

  private async writeBatch(batch: Entry[]): Promise<void> {
    let outcomes: Awaited<ReturnType<TaskStreamRepository['appendMany']>>;
    try {
      outcomes = await this.options.store.appendMany(batch.map((e) => ({ draft: e.draft, lastSeq: e.lastSeq })));
    } catch (err) {
      // The whole call refused (never for one event's failure): each event fails, and is retried on its own.
      for (const e of batch) e.reject(err);
      return;
    }
    const stored: { entry: Entry; event: StreamEvent }[] = [];
    batch.forEach((entry, i) => {
      const outcome = outcomes[i];
      if (outcome?.event) stored.push({ entry, event: outcome.event });
      else entry.reject(outcome?.error ?? new Error('the store gave no outcome for this stream event'));
    });
    if (stored.length === 0) return;
    // Announced once stored, in the batch's order; a task's next event is written only after this.
    const failures = await this.options.bus.publishMany(stored.map((s) => s.event)).catch((err: unknown) => stored.map(() => (err instanceof Error ? err : new Error(String(err)))));
    stored.forEach(({ entry, event }, i) => {
      const failure = failures[i];
      if (failure) this.options.onUnannounced(event, failure);
      entry.resolve(event);
    });
  }
}
