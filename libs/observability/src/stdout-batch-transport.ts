/**
 * The loggers' transport: each formatted line goes to stdout, but the lines of one event-loop turn go
 * out in one write instead of one write (one system call, synchronous for files and pipes) each.
 * Under load an api process logs two lines per accepted task; a busy worker several per task.
 *
 * Lines leave at the end of the turn they were logged in (`setImmediate`, no timer), or at once
 * when `maxBytes` are waiting, and always in the order they were logged. Whatever is still waiting
 * when the process exits (`process.exit` after a fatal error, the end of a graceful shutdown) is
 * written synchronously by an `exit` handler, so a last line before a crash is not lost; only a
 * process killed outright (SIGKILL, OOM) can lose the lines of its last turn.
 */
import { TurnBatch } from '@agent-orchestrator/domain';
import TransportStream from 'winston-transport';

const MESSAGE = Symbol.for('message');

/** Past this many bytes waiting, the lines are written at once. */
export const MAX_BATCH_BYTES = 64 * 1024;

/** What the transport writes to: stdout, or a test's sink. */
export interface LineSink {
  write(chunk: string): unknown;
}

/** The transports with lines waiting: what the exit handler writes. */
const waiting = new Set<StdoutBatchTransport>();
let exitHookInstalled = false;

function flushAllOnExit(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const transport of waiting) transport.flush();
  });
}

export class StdoutBatchTransport extends TransportStream {
  private readonly batch: TurnBatch<string>;

  constructor(
    private readonly sink: LineSink = process.stdout,
    maxBytes = MAX_BATCH_BYTES,
  ) {
    super();
    this.batch = new TurnBatch((lines) => this.writeLines(lines), maxBytes, (line) => line.length + 1);
    flushAllOnExit();
  }

  override log(info: unknown, next: () => void): void {
    const line = (info as Record<symbol, unknown>)[MESSAGE];
    if (typeof line === 'string') {
      waiting.add(this);
      this.batch.add(line);
    }
    next();
  }

  /** Writes the waiting lines now (one write). */
  flush(): void {
    this.batch.flush();
  }

  override close(): void {
    this.flush();
  }

  private writeLines(lines: string[]): void {
    waiting.delete(this);
    this.sink.write(`${lines.join('\n')}\n`);
  }
}
