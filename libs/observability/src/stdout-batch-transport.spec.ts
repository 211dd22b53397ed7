import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { transformFileSync } from '@swc/core';
import winston from 'winston';

import { StdoutBatchTransport } from './stdout-batch-transport';

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

function loggerWith(sink: { write: (chunk: string) => void }, maxBytes?: number) {
  return winston.createLogger({ format: winston.format.json(), transports: [new StdoutBatchTransport(sink, maxBytes)] });
}

describe('StdoutBatchTransport', () => {
  it('writes the lines of one event-loop turn in one write, in order, one JSON object a line', async () => {
    const writes: string[] = [];
    const logger = loggerWith({ write: (c) => writes.push(c) });
    logger.info('one', { n: 1 });
    logger.warn('two', { n: 2 });
    logger.info('three', { n: 3 });
    expect(writes).toEqual([]);
    await nextTurn();
    expect(writes).toHaveLength(1);
    expect(writes[0]!.endsWith('\n')).toBe(true);
    expect(writes[0]!.trimEnd().split('\n').map((l) => JSON.parse(l) as unknown)).toEqual([
      { level: 'info', message: 'one', n: 1 },
      { level: 'warn', message: 'two', n: 2 },
      { level: 'info', message: 'three', n: 3 },
    ]);
    // A later turn is a write of its own.
    logger.info('four');
    await nextTurn();
    expect(writes).toHaveLength(2);
    expect(JSON.parse(writes[1]!)).toEqual({ level: 'info', message: 'four' });
  });

  it('writes at once when maxBytes are waiting, without waiting for the end of the turn', () => {
    const writes: string[] = [];
    const logger = loggerWith({ write: (c) => writes.push(c) }, 100);
    logger.info('x'.repeat(60));
    expect(writes).toHaveLength(0);
    logger.info('y'.repeat(60));
    expect(writes).toHaveLength(1);
    expect(writes[0]!.split('\n').filter(Boolean)).toHaveLength(2);
  });

  it('writes what is waiting when the logger is closed', () => {
    const writes: string[] = [];
    const transport = new StdoutBatchTransport({ write: (c) => writes.push(c) });
    const logger = winston.createLogger({ format: winston.format.json(), transports: [transport] });
    logger.error('last words');
    transport.close();
    expect(writes.map((w) => JSON.parse(w) as unknown)).toEqual([{ level: 'error', message: 'last words' }]);
  });

  it('writes the lines of the last turn when the process exits at once (a fatal error, then process.exit)', () => {
    // The module compiled as the app's build would, run in a process of its own that logs and exits in the same turn.
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ao-log-exit-'));
    try {
      const { code } = transformFileSync(path.join(__dirname, 'stdout-batch-transport.ts'), {
        jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
        module: { type: 'commonjs' },
      });
      writeFileSync(path.join(dir, 'transport.js'), code);
      const script = [
        "const winston = require('winston');",
        "const { StdoutBatchTransport } = require('./transport.js');",
        'const logger = winston.createLogger({ format: winston.format.json(), transports: [new StdoutBatchTransport()] });',
        "logger.info('booted');",
        "logger.error('fatal: giving up');",
        'process.exit(1);',
      ].join('\n');
      writeFileSync(path.join(dir, 'main.js'), script);
      const root = path.resolve(__dirname, '../../..');
      let stdout = '';
      try {
        execFileSync(process.execPath, [path.join(dir, 'main.js')], { env: { ...process.env, NODE_PATH: path.join(root, 'node_modules') }, encoding: 'utf8' });
      } catch (err) {
        const failed = err as { status: number; stdout: string };
        expect(failed.status).toBe(1);
        stdout = failed.stdout;
      }
      expect(stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as unknown)).toEqual([
        { level: 'info', message: 'booted' },
        { level: 'error', message: 'fatal: giving up' },
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
