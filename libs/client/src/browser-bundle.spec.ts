// The client bundles for the browser with esbuild (platform browser: any Node built-in fails the
// build), and the bundle runs in a context that has only what a browser has (no require, process,
// Buffer), calling a real local HTTP server.
import { join } from 'node:path';
import { createContext, runInContext } from 'node:vm';
import { build } from 'esbuild';
import { accepted } from './testing/fixtures';
import { sendJson, startServer } from './testing/local-server';

describe('browser bundle', () => {
  it('builds with no Node built-ins and works with browser globals only', async () => {
    const result = await build({
      entryPoints: [join(__dirname, 'index.ts')],
      bundle: true,
      platform: 'browser',
      format: 'iife',
      globalName: 'AgentOrchestrator',
      target: ['es2022', 'chrome110', 'firefox115', 'safari16'],
      minify: true,
      write: false,
      logLevel: 'silent',
    });
    expect(result.errors).toEqual([]);
    const code = result.outputFiles[0]!.text;
    expect(code.length).toBeLessThan(30_000);
    expect(code).not.toMatch(/require\(|process\.|Buffer/);

    const server = await startServer((_req, res) => sendJson(res, 202, accepted(), { 'Access-Control-Expose-Headers': 'Idempotent-Replayed' }));
    try {
      const browser = {
        fetch,
        Headers,
        Request,
        Response,
        ReadableStream,
        TextDecoder,
        TextEncoder,
        URL,
        URLSearchParams,
        AbortController,
        AbortSignal,
        setTimeout,
        clearTimeout,
        crypto: globalThis.crypto,
        console,
      };
      const context = createContext(browser);
      runInContext(code, context);
      const lib = (context as unknown as { AgentOrchestrator: typeof import('./index') }).AgentOrchestrator;
      const client = lib.createClient({ baseUrl: server.url });
      const submitted = await client.submit({ task: 'From the browser bundle' });
      expect(submitted.task_id).toBe(accepted().task_id);
      expect(server.requests[0]!.headers['idempotency-key']).toEqual(expect.any(String));
      expect(Object.keys(context)).not.toContain('require');
    } finally {
      await server.close();
    }
  });
});
