import { SseParser, readSse } from './sse';

describe('SseParser', () => {
  it('parses messages with id, event and data, skipping comments', () => {
    const p = new SseParser();
    expect(p.push(': ping\n\nid: 1\nevent: task.accepted\ndata: {"a":1}\n\n')).toEqual([{ id: '1', event: 'task.accepted', data: '{"a":1}' }]);
  });

  it('completes messages across chunks split anywhere, with \\n, \\r\\n or \\r line ends', () => {
    const text = 'id: 7\r\nevent: delta\r\ndata: {"text":"he"}\r\n\r\nid: 8\revent: delta\rdata: {"text":"llo"}\r\rid: 9\nevent: delta\ndata: {"text":"!"}\n\n';
    for (const size of [1, 2, 3, 5, 7, 64]) {
      const p = new SseParser();
      const out = [];
      for (let i = 0; i < text.length; i += size) out.push(...p.push(text.slice(i, i + size)));
      expect([size, out.map((m) => `${m.id}:${m.data}`)]).toEqual([size, ['7:{"text":"he"}', '8:{"text":"llo"}', '9:{"text":"!"}']]);
    }
  });

  it('joins multi-line data, defaults the event name, carries the last id over and reads retry', () => {
    const p = new SseParser();
    expect(p.push('id: 3\ndata: a\ndata:b\n\ndata: c\nretry: 1500\n\n')).toEqual([
      { id: '3', event: 'message', data: 'a\nb' },
      { id: '3', event: 'message', data: 'c' },
    ]);
    expect(p.retryMs).toBe(1500);
    expect(p.push('event: lonely\n\n')).toEqual([]);
  });

  it('reads a byte stream, multi-byte characters split between chunks included', async () => {
    const bytes = new TextEncoder().encode('id: 1\ndata: {"text":"été ✓"}\n\nid: 2\ndata: x');
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        for (let i = 0; i < bytes.length; i += 3) c.enqueue(bytes.slice(i, i + 3));
        c.close();
      },
    });
    const out = [];
    for await (const m of readSse(body)) out.push(m);
    // The unterminated last message is dropped, as EventSource does.
    expect(out).toEqual([{ id: '1', event: 'message', data: '{"text":"été ✓"}' }]);
  });
});
