/**
 * A Server-Sent Events parser (the WHATWG "event stream interpretation"), for `fetch` bodies: browsers'
 * EventSource cannot send an Authorization header, so the client reads the stream itself.
 */

/** One dispatched message. `id` is the last `id:` seen on the stream (it carries over, as in EventSource). */
export interface SseMessage {
  id: string | null;
  event: string;
  data: string;
}

/** Bytes in, messages out; comments (`: ping`) and `retry:` are consumed. Handles `\n`, `\r\n` and `\r` line ends and chunks split anywhere. */
export class SseParser {
  private buffer = '';
  private data: string[] = [];
  private event = '';
  private sawCr = false;
  lastEventId: string | null = null;
  /** The last `retry:` the server sent, in ms. */
  retryMs: number | null = null;

  /** Feeds decoded text; returns the messages it completed. */
  push(chunk: string): SseMessage[] {
    let text = chunk;
    if (this.sawCr && text.startsWith('\n')) text = text.slice(1);
    this.sawCr = false;
    this.buffer += text;
    const out: SseMessage[] = [];
    for (;;) {
      const match = /\r\n|\r|\n/.exec(this.buffer);
      if (!match) break;
      // A lone \r at the end may be the first half of \r\n.
      if (match[0] === '\r' && match.index === this.buffer.length - 1) {
        this.sawCr = true;
      }
      const line = this.buffer.slice(0, match.index);
      this.buffer = this.buffer.slice(match.index + match[0].length);
      const message = this.line(line);
      if (message) out.push(message);
    }
    return out;
  }

  private line(line: string): SseMessage | undefined {
    if (line === '') return this.dispatch();
    if (line.startsWith(':')) return undefined;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') this.data.push(value);
    else if (field === 'event') this.event = value;
    else if (field === 'id' && !value.includes('\0')) this.lastEventId = value;
    else if (field === 'retry' && /^\d+$/.test(value)) this.retryMs = Number(value);
    return undefined;
  }

  private dispatch(): SseMessage | undefined {
    const data = this.data;
    const event = this.event || 'message';
    this.data = [];
    this.event = '';
    if (data.length === 0) return undefined;
    return { id: this.lastEventId, event, data: data.join('\n') };
  }
}

/** The messages of a response body, in order; ends when the server closes the stream. `onBytes` hears of every chunk (comments included). */
export async function* readSse(body: ReadableStream<Uint8Array>, parser: SseParser = new SseParser(), onBytes: () => void = () => undefined): AsyncGenerator<SseMessage> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      onBytes();
      yield* parser.push(decoder.decode(value, { stream: true }));
    }
    // A message without its closing blank line at the end of the stream is dropped, as EventSource does.
    parser.push(decoder.decode());
  } finally {
    await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
}
