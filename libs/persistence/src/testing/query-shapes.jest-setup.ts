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

import { CODE_CREATED_INDEXES, declaredIndexes } from './declared-indexes';
import { checkCoverage, type CoverageReport } from './index-coverage';
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
    const report = coverageByDatabase(recorder);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(
      path.join(dir, `${spec.replace(/[\\/]/g, '__')}.json`),
      JSON.stringify({ spec, commands: recorder.commands, covered: report.covered.length, uncovered: report.uncovered }, null, 2),
    );
  });
}

/**
 * Each query against the indexes its database had when it was sent: the schema ones, and the TTL
 * ones only once this process had created them (`ensureRetention`). Uncovered ones merged by query.
 */
function coverageByDatabase(recorder: QueryRecorder): CoverageReport {
  const groups = new Map<string, { created: Map<string, Set<string>>; shapes: QueryRecorder['shapes'] }>();
  recorder.shapes.forEach((shape, i) => {
    const created = new Map(Object.keys(CODE_CREATED_INDEXES).map((c) => [c, recorder.indexesCreatedBefore(i, c)]));
    const key = `${shape.database}|${[...created].map(([c, names]) => `${c}:${[...names].sort().join(',')}`).join(';')}`;
    const group = groups.get(key) ?? { created, shapes: [] };
    group.shapes.push(shape);
    groups.set(key, group);
  });
  const merged: CoverageReport = { covered: [], uncovered: [] };
  for (const { created, shapes } of groups.values()) {
    const report = checkCoverage(shapes, declaredIndexes({ created: (collection) => created.get(collection) }));
    for (const finding of report.uncovered) {
      const same = merged.uncovered.find((f) => f.query === finding.query);
      if (same) same.seen += finding.seen;
      else merged.uncovered.push({ ...finding });
    }
    merged.covered.push(...report.covered.filter((c) => !merged.covered.some((m) => m.query === c.query)));
  }
  return merged;
}
