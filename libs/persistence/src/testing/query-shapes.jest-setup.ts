/**
 * Jest `setupFilesAfterEnv` of every `test-int` target when AO_QUERY_SHAPES_DIR is set (only then
 * does jest.int.preset.cjs add it). It records the queries each spec file sends through mongoose in
 * the Jest process (not those of the apps a spec spawns, nor of raw MongoClient connections),
 * checks them against the indexes this lib declares, and writes the file's uncovered queries to
 * AO_QUERY_SHAPES_DIR/<spec file>.json. tools/jest/services-setup.mjs turns on the driver's command
 * monitoring for it; tools/jest/query-shapes-report.mjs merges the files. See the README.
 */
import fs from 'node:fs';
import path from 'node:path';

import { afterAll, beforeAll, expect } from '@jest/globals';

import { declaredIndexes } from './declared-indexes';
import { checkCoverage } from './index-coverage';
import { recordQueryShapes, type QueryRecorder } from './query-recorder';

const dir = process.env['AO_QUERY_SHAPES_DIR'];

if (dir) {
  let recorder: QueryRecorder | undefined;
  beforeAll(() => {
    recorder = recordQueryShapes();
  });
  afterAll(() => {
    if (!recorder) return;
    recorder.stop();
    if (recorder.commands === 0) return; // a spec without MongoDB
    const spec = path.relative(path.resolve(__dirname, '../../../..'), expect.getState().testPath ?? 'unknown');
    const report = checkCoverage(recorder.shapes, declaredIndexes());
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(
      path.join(dir, `${spec.replace(/[\\/]/g, '__')}.json`),
      JSON.stringify({ spec, commands: recorder.commands, covered: report.covered.length, uncovered: report.uncovered }, null, 2),
    );
  });
}
