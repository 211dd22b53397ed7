/**
 * A TCP proxy in front of the API that can cut a connection after the API has processed a request
 * and before its answer reaches the client: the case a client cannot tell from "never arrived";
 * or let a given number of bytes of an answer through and then cut it (a stream cut mid-message).
 */
import { connect, createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

export interface DropProxy {
  url: string;
  /** Connections cut so far. */
  dropped: number;
  /** Cut the next connection whose request starts with `requestLine` (e.g. `POST /v1/agent/execute`), once the API starts answering. */
  dropNext(requestLine: string): void;
  /** Let `bytes` bytes of the answer (headers included) to each of the next `times` requests starting with `requestLine` through, then cut the connection. */
  cutAfterBytes(requestLine: string, bytes: number, times?: number): void;
  /** When each `cutAfterBytes` cut happened (ms since the epoch). */
  cuts: number[];
  close(): Promise<void>;
}

export async function startDropProxy(target: { host: string; port: number }): Promise<DropProxy> {
  let armed: string | null = null;
  let cutArmed: { line: string; bytes: number; times: number } | null = null;
  const sockets = new Set<Socket>();
  const proxy: DropProxy = {
    url: '',
    dropped: 0,
    cuts: [],
    dropNext: (line) => void (armed = line),
    cutAfterBytes: (line, bytes, times = 1) => void (cutArmed = { line, bytes, times }),
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
  const server: Server = createServer((client) => {
    const upstream = connect(target.port, target.host);
    sockets.add(client).add(upstream);
    let cut = false;
    /** Bytes of the answer still let through before the cut, when armed by cutAfterBytes. */
    let budget: number | null = null;
    client.on('data', (chunk: Buffer) => {
      if (armed && chunk.toString('latin1').startsWith(armed)) {
        armed = null;
        cut = true;
      }
      if (cutArmed && cutArmed.times > 0 && chunk.toString('latin1').startsWith(cutArmed.line)) {
        cutArmed.times -= 1;
        budget = cutArmed.bytes;
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (budget !== null && chunk.length >= budget) {
        // The first bytes reach the client, then the connection breaks (not a clean end).
        proxy.cuts.push(Date.now());
        upstream.destroy();
        client.write(chunk.subarray(0, budget), () => client.destroy());
        budget = null;
        return;
      }
      if (budget !== null) budget -= chunk.length;
      if (cut) {
        // The API processed the request and is answering: the client never sees it.
        proxy.dropped += 1;
        client.destroy();
        upstream.destroy();
        return;
      }
      client.write(chunk);
    });
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return proxy;
}
