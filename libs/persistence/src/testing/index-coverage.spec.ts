import { declaredIndexes } from './declared-indexes';
import { checkCoverage, checkShape, formatFindings, type IndexCatalog } from './index-coverage';
import { withCommandMonitoring } from './query-recorder';
import { describeShape, filterShape, predicateKind, shapesOfCommand, type QueryShape } from './query-shapes';

const catalog: IndexCatalog = {
  tasks: [
    { name: 'task_id_1', keys: [['task_id', 1]], unique: true },
    { name: 'created_at_-1_task_id_-1', keys: [['created_at', -1], ['task_id', -1]], unique: false },
    { name: 'status_1_created_at_-1_task_id_-1', keys: [['status', 1], ['created_at', -1], ['task_id', -1]], unique: false },
    { name: 'status_1_queued_at_1_task_id_1', keys: [['status', 1], ['queued_at', 1], ['task_id', 1]], unique: false },
    { name: 'session_id_1_created_at_-1', keys: [['session_id', 1], ['created_at', -1]], unique: false },
  ],
};

/** One shape from a `find` command, as the driver sends it. */
function find(filter: Record<string, unknown>, sort?: Record<string, 1 | -1>, limit?: number): QueryShape {
  const [shape] = shapesOfCommand({ commandName: 'find', databaseName: 'ao', command: { find: 'tasks', filter, ...(sort ? { sort } : {}), ...(limit ? { limit } : {}) } });
  return shape!;
}

describe('predicateKind', () => {
  it.each([
    ['a string', 'x', 'eq'],
    ['a date', new Date(0), 'eq'],
    ['null', null, 'eq'],
    ['$eq', { $eq: 1 }, 'eq'],
    ['$in of one value', { $in: ['a'] }, 'eq'],
    ['$in of several values', { $in: ['a', 'b'] }, 'in'],
    ['$exists: false', { $exists: false }, 'eq'],
    ['a range', { $gte: 1, $lt: 2 }, 'range'],
    ['$ne', { $ne: 'x' }, 'range'],
    ['a regex', /^a/, 'range'],
    ['$size', { $size: 2 }, 'other'],
    ['an embedded document', { a: 1 }, 'eq'],
  ])('%s → %s', (_name, value, kind) => {
    expect(predicateKind(value)).toBe(kind);
  });
});

describe('filterShape', () => {
  it('flattens $and, keeps each $or as a group and names the parts no index bounds', () => {
    const shape = filterShape({ $and: [{ a: 1 }, { b: { $gt: 2 } }, { $or: [{ c: 1 }, { d: 2 }] }], $expr: { $eq: ['$x', '$y'] }, $comment: 'why' });
    expect(shape).toEqual({ fields: { a: 'eq', b: 'range' }, or: [[{ fields: { c: 'eq' }, or: [], opaque: [] }, { fields: { d: 'eq' }, or: [], opaque: [] }]], opaque: ['$expr'] });
  });

  it('keeps the tighter constraint when a field appears twice', () => {
    expect(filterShape({ $and: [{ a: { $gt: 1 } }, { a: 2 }] }).fields).toEqual({ a: 'eq' });
  });
});

describe('shapesOfCommand', () => {
  it('reads find, findAndModify, update and delete statements, count, distinct and an aggregate pipeline', () => {
    const shapes = [
      ...shapesOfCommand({ commandName: 'findAndModify', databaseName: 'ao', command: { findAndModify: 'tasks', query: { task_id: 't' }, sort: { a: 1 } } }),
      ...shapesOfCommand({ commandName: 'update', databaseName: 'ao', command: { update: 'tasks', updates: [{ q: { a: 1 }, u: {}, multi: true }, { q: { b: 1 }, u: {} }] } }),
      ...shapesOfCommand({ commandName: 'delete', databaseName: 'ao', command: { delete: 'tasks', deletes: [{ q: { c: 1 }, limit: 0 }] } }),
      ...shapesOfCommand({ commandName: 'count', databaseName: 'ao', command: { count: 'tasks', query: { d: 1 } } }),
      ...shapesOfCommand({ commandName: 'distinct', databaseName: 'ao', command: { distinct: 'tasks', key: 'x', query: { e: 1 } } }),
      ...shapesOfCommand({
        commandName: 'aggregate',
        databaseName: 'ao',
        command: { aggregate: 'tasks', pipeline: [{ $match: { f: 1 } }, { $sort: { g: -1 } }, { $limit: 5 }, { $group: { _id: null } }] },
      }),
    ];
    expect(shapes.map(describeShape)).toEqual([
      'tasks findAndModify {task_id: eq} sort {a: 1} limited',
      'tasks update {a: eq}',
      'tasks update {b: eq} limited',
      'tasks delete {c: eq}',
      'tasks count {d: eq}',
      'tasks distinct {e: eq}',
      'tasks aggregate {f: eq} sort {g: -1} limited',
    ]);
  });

  it('reads a sort the driver sent as a Map', () => {
    const [shape] = shapesOfCommand({ commandName: 'find', databaseName: 'ao', command: { find: 'tasks', filter: {}, sort: new Map([['created_at', -1], ['_id', -1]]) } });
    expect(shape!.sort).toEqual([['created_at', -1], ['_id', -1]]);
  });

  it('ignores commands that are not queries and the internal databases', () => {
    expect(shapesOfCommand({ commandName: 'insert', databaseName: 'ao', command: { insert: 'tasks', documents: [{}] } })).toEqual([]);
    expect(shapesOfCommand({ commandName: 'find', databaseName: 'admin', command: { find: 'system.users', filter: { a: 1 } } })).toEqual([]);
    expect(shapesOfCommand({ commandName: 'aggregate', databaseName: 'admin', command: { aggregate: 1, pipeline: [{ $currentOp: {} }] } })).toEqual([]);
  });
});

describe('checkShape', () => {
  it('accepts an equality lookup on a unique index (a point), whatever else the filter says', () => {
    const verdict = checkShape(find({ task_id: 't', status: { $in: ['queued', 'processing'] } }), catalog);
    expect(verdict).toEqual({ ok: true, index: 'task_id_1', how: 'point', residual: ['status'] });
  });

  it('accepts an _id lookup on any collection, declared or not', () => {
    expect(checkShape({ ...find({ _id: 'x' }), collection: 'elsewhere' }, catalog)).toMatchObject({ ok: true, index: '_id_', how: 'point' });
  });

  it('accepts an equality prefix then a range, sorted by the index keys after the equality', () => {
    const verdict = checkShape(find({ status: 'queued', queued_at: { $lt: new Date() } }, { queued_at: 1, task_id: 1 }, 10), catalog);
    expect(verdict).toEqual({ ok: true, index: 'status_1_queued_at_1_task_id_1', how: 'bounded', residual: [] });
  });

  it('accepts the sort reversed as a whole (a backward index walk) and skips sort keys pinned by equality', () => {
    expect(checkShape(find({ status: 'failed' }, { status: -1, created_at: 1, task_id: 1 }, 20), catalog)).toMatchObject({
      ok: true,
      index: 'status_1_created_at_-1_task_id_-1',
    });
  });

  it('reports a filter no index prefix bounds as a collection scan', () => {
    const verdict = checkShape(find({ agent_type: 'code' }), catalog);
    expect(verdict).toEqual({ ok: false, problem: 'no-index', detail: 'no index has a prefix the filter bounds: collection scan' });
  });

  it('reports a field that is only a later key of an index (no prefix) as a collection scan', () => {
    expect(checkShape(find({ queued_at: { $lt: new Date() } }), catalog)).toMatchObject({ ok: false, problem: 'no-index' });
  });

  it('reports a sort the bounding index does not give (an _id tie-break it lacks) as an in-memory sort', () => {
    const verdict = checkShape(find({ session_id: 's' }, { created_at: -1, _id: -1 }, 10), catalog);
    expect(verdict).toMatchObject({ ok: false, problem: 'in-memory-sort' });
    if (!verdict.ok) expect(verdict.detail).toContain('{session_id: 1, created_at: -1}');
  });

  it('reports mixed sort directions the index cannot walk', () => {
    expect(checkShape(find({ status: 'queued' }, { created_at: -1, task_id: 1 }), catalog)).toMatchObject({ ok: false, problem: 'in-memory-sort' });
  });

  it('reports a sort after a multi-value $in, and a range before the sort key', () => {
    expect(checkShape(find({ status: { $in: ['a', 'b'] } }, { created_at: -1, task_id: -1 }), catalog)).toMatchObject({ problem: 'in-memory-sort' });
    expect(checkShape(find({ status: 'a', queued_at: { $gt: new Date() } }, { task_id: 1 }), catalog)).toMatchObject({ problem: 'in-memory-sort' });
  });

  it('accepts a top-level $or whose every branch is covered, and names the indexes', () => {
    const keyset = find({ $or: [{ created_at: { $lt: new Date() } }, { created_at: new Date(), task_id: { $lt: 't' } }] }, { created_at: -1, task_id: -1 }, 21);
    expect(checkShape(keyset, catalog)).toEqual({ ok: true, index: 'created_at_-1_task_id_-1', how: 'or', residual: [] });
  });

  it('reports a $or with a branch no index bounds, naming the branch', () => {
    const verdict = checkShape(find({ $or: [{ task_id: 't' }, { agent_type: 'code' }] }), catalog);
    expect(verdict).toMatchObject({ ok: false, problem: 'no-index' });
    if (!verdict.ok) expect(verdict.detail).toBe('$or branch {agent_type: eq}: no index has a prefix the filter bounds: collection scan');
  });

  it('accepts a $or ANDed with fields an index bounds (the $or is then checked on the fetched documents)', () => {
    const verdict = checkShape(find({ status: 'queued', queued_at: { $gte: new Date() }, $or: [{ agent_type: 'a' }, { x: 1 }] }, { queued_at: 1, task_id: 1 }), catalog);
    expect(verdict).toEqual({ ok: true, index: 'status_1_queued_at_1_task_id_1', how: 'bounded', residual: ['$or'] });
  });

  it('accepts an empty filter only with a limit (and an index order when sorted), and a plain count', () => {
    expect(checkShape(find({}, undefined, 1), catalog)).toMatchObject({ ok: true, how: 'walk' });
    expect(checkShape(find({}, { created_at: -1, task_id: -1 }, 20), catalog)).toMatchObject({ ok: true, how: 'walk', index: 'created_at_-1_task_id_-1' });
    expect(checkShape(find({}), catalog)).toMatchObject({ ok: false, problem: 'unbounded' });
    expect(checkShape(find({}, { created_at: -1, task_id: -1 }), catalog)).toMatchObject({ ok: false, problem: 'unbounded' });
    expect(checkShape(find({}, { agent_type: 1 }, 5), catalog)).toMatchObject({ ok: false, problem: 'in-memory-sort' });
    const [count] = shapesOfCommand({ commandName: 'count', databaseName: 'ao', command: { count: 'tasks' } });
    expect(checkShape(count!, catalog)).toMatchObject({ ok: true, how: 'count' });
  });

  it('checks an aggregation by its leading $match', () => {
    const [covered] = shapesOfCommand({ commandName: 'aggregate', databaseName: 'ao', command: { aggregate: 'tasks', pipeline: [{ $match: { created_at: { $gte: new Date() } } }, { $group: { _id: '$status' } }] } });
    const [scan] = shapesOfCommand({ commandName: 'aggregate', databaseName: 'ao', command: { aggregate: 'tasks', pipeline: [{ $group: { _id: '$status' } }] } });
    expect(checkShape(covered!, catalog)).toMatchObject({ ok: true, index: 'created_at_-1_task_id_-1' });
    expect(checkShape(scan!, catalog)).toMatchObject({ ok: false, problem: 'unbounded' });
  });
});

describe('checkCoverage', () => {
  it('lists each distinct uncovered query once, with how often it was seen, as (collection, filter shape, sort) → problem', () => {
    const report = checkCoverage([find({ agent_type: 'a' }), find({ agent_type: 'b' }), find({ task_id: 't' }), find({ session_id: 's' }, { created_at: -1, _id: -1 })], catalog);
    expect(report.covered).toEqual([{ query: 'tasks find {task_id: eq}', index: 'task_id_1', how: 'point', residual: [], seen: 1 }]);
    expect(report.uncovered.map((f) => [f.query, f.problem, f.seen])).toEqual([
      ['tasks find {agent_type: eq}', 'no-index', 2],
      ['tasks find {session_id: eq} sort {created_at: -1, _id: -1}', 'in-memory-sort', 1],
    ]);
    expect(formatFindings(report.uncovered)).toBe(
      [
        '- tasks find {agent_type: eq} → no index: no index has a prefix the filter bounds: collection scan (seen 2×)',
        '- tasks find {session_id: eq} sort {created_at: -1, _id: -1} → in-memory-sort: bounded by {session_id: 1, created_at: -1}, but no index gives the order: every match is sorted in memory (seen 1×)',
      ].join('\n'),
    );
    expect(formatFindings([])).toBe('every query is index-backed');
  });
});

describe('withCommandMonitoring', () => {
  it.each([
    ['mongodb://127.0.0.1:27017', 'mongodb://127.0.0.1:27017?monitorCommands=true'],
    ['mongodb://127.0.0.1:27017/', 'mongodb://127.0.0.1:27017/?monitorCommands=true'],
    ['mongodb://u:p@a:1,b:2/db?replicaSet=rs&monitorCommands=false', 'mongodb://u:p@a:1,b:2/db?replicaSet=rs&monitorCommands=true'],
  ])('%s → %s', (uri, expected) => {
    expect(withCommandMonitoring(uri)).toBe(expected);
  });
});

describe('declaredIndexes', () => {
  it("lists each model's schema indexes with _id, and the TTL indexes made in code only where they were created", () => {
    const all = declaredIndexes();
    expect(all['tasks']).toEqual(expect.arrayContaining([{ name: '_id_', keys: [['_id', 1]], unique: true }, { name: 'task_id_1', keys: [['task_id', 1]], unique: true }]));
    expect(all['logs']!.map((i) => i.name)).toEqual(['_id_', 'task_id_1_timestamp_1', 'timestamp_ttl']);
    const withoutRetention = declaredIndexes({ created: () => new Set(['expires_at_ttl']) });
    expect(withoutRetention['logs']!.map((i) => i.name)).toEqual(['_id_', 'task_id_1_timestamp_1']);
    expect(withoutRetention['idempotency_keys']!.map((i) => i.name)).toContain('expires_at_ttl');
    const [purge] = shapesOfCommand({ commandName: 'delete', databaseName: 'ao', command: { delete: 'logs', deletes: [{ q: { timestamp: { $lt: new Date() } }, limit: 0 }] } });
    expect(checkShape(purge!, all)).toMatchObject({ ok: true, index: 'timestamp_ttl' });
    expect(checkShape(purge!, withoutRetention)).toMatchObject({ ok: false, problem: 'no-index' });
  });
});
