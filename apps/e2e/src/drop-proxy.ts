/**
 * A TCP proxy in front of the API that can cut a connection after the API has processed a request
 * and before its answer reaches the client: the case a client cannot tell from "never arrived".
 */
import { connect, createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

export interface DropProxy {
  url: string;
  /** Connections cut so far. */
  dropped: number;
  /** Cut the next connection whose request starts with `requestLine` (e.g. `POST /v1/agent/execute`), once the API starts answering. */
  dropNext(requestLine: string): void;
  close(): Promise<void>;
}

export async function startDropProxy(target: { host: string; port: number }): Promise<DropProxy> {
  let armed: string | null = null;
  const sockets = new Set<Socket>();
  const proxy: DropProxy = {
    url: '',
    dropped: 0,
    dropNext: (line) => void (armed = line),
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
    client.on('data', (chunk: Buffer) => {
      if (armed && chunk.toString('latin1').startsWith(armed)) {
        armed = null;
        cut = true;
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
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
