// End to end under faults: tools/chaos/run.mjs with a small load. Needs what the chaos run needs:
// the built api and worker (the e2e target builds them), redis-server, and a MongoDB-compatible
// server it starts itself (FerretDB here); it ignores the suite's MONGO_URI/REDIS_URL on purpose,
// because it restarts its own servers.
import { spawn } from 'node:child_process';
import { join } from 'node:path';

const root = join(__dirname, '..', '..', '..');

interface ChaosReport {
  accepted: number;
  stored: number;
  completed: number;
  failed_by_type: Record<string, number>;
  still_not_terminal: number;
  lost: number;
  written_more_than_once: number;
  duplicate_result_messages: number;
  faults: { at_s: number; what: string }[];
}

function runChaos(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const env = { ...process.env };
    delete env['MONGO_URI'];
    delete env['REDIS_URL'];
    const child = spawn(process.execPath, [join(root, 'tools', 'chaos', 'run.mjs'), ...args], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('chaos: SIGKILLed workers, Redis and MongoDB restarts', () => {
  it('ends every accepted task exactly once', async () => {
    const { code, stdout, stderr } = await runChaos(['--tasks', '40', '--workers', '2', '--kills', '2', '--submit-concurrency', '8', '--no-build', '--json', '--seed', '20261124', '--drain-timeout-s', '240']);
    const last = stdout.trim().split('\n').pop() ?? '';
    let report: ChaosReport;
    try {
      report = JSON.parse(last) as ChaosReport;
    } catch {
      throw new Error(`chaos run printed no report (exit ${code}):\n${stdout}\n${stderr.slice(-4000)}`);
    }
    // Every fault really happened.
    const faults = report.faults.map((f) => f.what).join('\n');
    expect(faults.match(/SIGKILL worker/g)).toHaveLength(2);
    expect(faults).toContain('redis-server back');
    expect(faults).toContain('MongoDB server back');
    // The guarantees.
    expect(report.accepted).toBe(40);
    expect(report).toMatchObject({ still_not_terminal: 0, lost: 0, written_more_than_once: 0, duplicate_result_messages: 0 });
    expect(report.completed).toBeGreaterThan(0);
    expect(code).toBe(0);
  }, 420_000);
});
