// Preloaded into a process under measurement (`node --require tools/bench/cpu-window.cjs app.js`) by
// tools/bench/worker-cpu.mjs: SIGUSR2 starts a V8 CPU profile of this process, the next SIGUSR2 stops
// it and writes it to $CPU_WINDOW_DIR/window-<n>.cpuprofile. So a profile covers only the window the
// benchmark measures (not the boot, not the warm-up). Without CPU_WINDOW_DIR it does nothing.
'use strict';
const dir = process.env.CPU_WINDOW_DIR;
if (dir) {
  const fs = require('node:fs');
  const path = require('node:path');
  const inspector = require('node:inspector');
  const session = new inspector.Session();
  session.connect();
  session.post('Profiler.enable');
  // 1 ms: the default (~1 ms on Linux too) spelled out, so runs compare.
  session.post('Profiler.setSamplingInterval', { interval: 1000 });
  let running = false;
  let n = 0;
  process.on('SIGUSR2', () => {
    if (!running) {
      running = true;
      session.post('Profiler.start');
      return;
    }
    running = false;
    session.post('Profiler.stop', (err, result) => {
      if (err) {
        process.stderr.write(`cpu-window: ${err.message}\n`);
        return;
      }
      fs.mkdirSync(dir, { recursive: true });
      const file = path.join(dir, `window-${++n}.cpuprofile`);
      fs.writeFileSync(file, JSON.stringify(result.profile));
      process.stderr.write(`cpu-window: wrote ${file}\n`);
    });
  });
}
