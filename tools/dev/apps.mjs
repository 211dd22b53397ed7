// Runs built apps (`apps/<name>/dist/main.js`) as children of a dev launcher (`npm start`) and stops
// them on the launcher's SIGINT/SIGTERM with exactly one SIGTERM each.
//
// Each child gets a process group of its own (`detached`): a terminal's Ctrl-C sends SIGINT to the
// whole foreground group, so children in the launcher's group would get the SIGINT and then the
// launcher's SIGTERM, and an app reads a second signal as "force exit now" (exit 1). Out of the
// group, only the launcher hears Ctrl-C and each app sees one signal: one clean shutdown.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { onProcessExit, stopChild } from '../services/proc.mjs';

/**
 * Starts `apps` and supervises them: a child that exits on its own stops the others; SIGINT or
 * SIGTERM to the launcher stops every child, runs `cleanup`, and exits 0 (or the failed child's code).
 */
export function superviseApps({ root, apps, env, say, cleanup = async () => undefined, graceMs = 15_000 }) {
  let stopping = false;
  const children = apps.map((app) => {
    const child = spawn(process.execPath, [join(root, 'apps', app, 'dist', 'main.js')], { cwd: root, env, stdio: ['ignore', 'inherit', 'inherit'], detached: true });
    // Detached children outlive a launcher that dies without stop() (an uncaught error): kill them then.
    onProcessExit(() => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    });
    child.on('exit', (code, signal) => {
      if (!stopping) {
        say(`${app} exited (${signal ?? code}); stopping`);
        void stop(code ?? 1);
      }
    });
    return child;
  });

  async function stop(code = 0) {
    if (stopping) return;
    stopping = true;
    await Promise.all(children.map((c) => stopChild(c, graceMs)));
    await cleanup();
    process.exit(code);
  }
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));
  return { children, stop };
}
