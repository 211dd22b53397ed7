/**
 * Query shapes: what a query asks of a collection (which fields it constrains and how, how it sorts,
 * whether it is limited), without the values. Built from the commands the driver sends
 * (`commandStarted` events: find, update, delete, findAndModify, aggregate, count, distinct), so
 * they can be checked against the declared indexes (index-coverage.ts).
 */

/** How a filter constrains one field, as far as index bounds go. */
export type PredicateKind =
  /** Equality (a value, `$eq`, `$in` of one value, `$exists: false`): tight bounds, keeps the index order. */
  | 'eq'
  /** `$in` of several values: a set of points; bounded, but the index order holds only within each point. */
  | 'in'
  /** Ranges and other operators an index can bound (`$gt`, `$lte`, `$ne`, `$exists: true`, a regex, `$elemMatch`...). */
  | 'range'
  /** Operators no index bounds (`$where`-like, `$size`, `$mod`, `$not`...): filtered after the fetch. */
  | 'other';

/** A filter reduced to its shape: top-level (ANDed) fields, and the `$or` groups ANDed with them. */
export interface FilterShape {
  fields: Record<string, PredicateKind>;
  /** Each group is one `$or` (its branches); several groups come from `$and: [{$or}, {$or}]`. */
  or: FilterShape[][];
  /** `$expr`, `$where`, `$text`, `$nor`...: parts no index bounds (listed by operator). */
  opaque: string[];
}

export type SortShape = Array<[field: string, direction: 1 | -1]>;

export type QueryOp = 'find' | 'update' | 'delete' | 'findAndModify' | 'aggregate' | 'count' | 'distinct';

export interface QueryShape {
  /** The database it was sent to (not part of `describeShape`: the same query on two databases is one query). */
  database?: string;
  collection: string;
  op: QueryOp;
  filter: FilterShape;
  sort: SortShape;
  /** Returns or touches a bounded number of documents (a limit, a single update/delete, findAndModify). */
  limited: boolean;
}

/** The parts of a driver `CommandStartedEvent` this needs. */
export interface CommandLike {
  commandName: string;
  databaseName: string;
  command: Record<string, unknown>;
}

const EQ_OPS = new Set(['$eq']);
const RANGE_OPS = new Set(['$gt', '$gte', '$lt', '$lte', '$ne', '$nin', '$regex', '$options', '$elemMatch', '$all', '$type', '$exists']);
/** Databases MongoDB's `notablescan` never applies to, and that the system never queries. */
const INTERNAL_DBS = new Set(['admin', 'local', 'config']);

const isPlainObject = (v: unknown): v is Record<string, unknown> => {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
};

const rank: Record<PredicateKind, number> = { eq: 0, in: 1, range: 2, other: 3 };
/** Two constraints on one field (`$and`, or `$gte` with `$lt`): the tighter one decides the bounds. */
const tighter = (a: PredicateKind | undefined, b: PredicateKind): PredicateKind => (a === undefined || rank[b] < rank[a] ? b : a);

/** The shape of one field's predicate. */
export function predicateKind(value: unknown): PredicateKind {
  if (value instanceof RegExp) return 'range';
  if (!isPlainObject(value)) return 'eq'; // a scalar, a date, an ObjectId, an array (equality on the array)
  const ops = Object.keys(value);
  if (ops.length === 0 || !ops.some((k) => k.startsWith('$'))) return 'eq'; // an embedded document, matched whole
  let kind: PredicateKind | undefined;
  for (const op of ops) {
    const arg = value[op];
    let k: PredicateKind;
    if (EQ_OPS.has(op)) k = 'eq';
    else if (op === '$in') k = Array.isArray(arg) && arg.length <= 1 ? 'eq' : 'in';
    else if (op === '$exists') k = arg ? 'range' : 'eq';
    else if (RANGE_OPS.has(op)) k = 'range';
    else k = 'other';
    kind = tighter(kind, k);
  }
  return kind ?? 'eq';
}

/** Reduces a query filter to its shape. */
export function filterShape(filter: unknown): FilterShape {
  const shape: FilterShape = { fields: {}, or: [], opaque: [] };
  if (!isPlainObject(filter)) return shape;
  for (const [key, value] of Object.entries(filter)) {
    if (key === '$and' && Array.isArray(value)) {
      for (const part of value) mergeInto(shape, filterShape(part));
    } else if (key === '$or' && Array.isArray(value)) {
      shape.or.push(value.map(filterShape));
    } else if (key === '$comment') {
      continue;
    } else if (key.startsWith('$')) {
      shape.opaque.push(key);
    } else {
      shape.fields[key] = tighter(shape.fields[key], predicateKind(value));
    }
  }
  return shape;
}

function mergeInto(into: FilterShape, from: FilterShape): void {
  for (const [field, kind] of Object.entries(from.fields)) into.fields[field] = tighter(into.fields[field], kind);
  into.or.push(...from.or);
  into.opaque.push(...from.opaque);
}

/** A sort as sent: a document, or the `Map` the driver builds from a sort option. */
export function sortShape(sort: unknown): SortShape {
  const entries = sort instanceof Map ? [...sort.entries()] : isPlainObject(sort) ? Object.entries(sort) : [];
  return entries.map(([field, dir]) => [field, Number(dir) < 0 || dir === 'desc' || dir === 'descending' ? -1 : 1]);
}

const positive = (v: unknown): boolean => typeof v === 'number' ? v > 0 : typeof v === 'bigint' ? v > 0n : Number(v) > 0;

/**
 * The query shapes of one command (none for commands that are not queries: insert, createIndexes,
 * getMore, ping...). An update or delete command gives one shape per statement.
 */
export function shapesOfCommand(event: CommandLike): QueryShape[] {
  if (INTERNAL_DBS.has(event.databaseName)) return [];
  return queryShapes(event).map((shape) => ({ database: event.databaseName, ...shape }));
}

function queryShapes(event: CommandLike): QueryShape[] {
  const c = event.command;
  const collection = (name: string): string => String(c[name]);
  switch (event.commandName) {
    case 'find':
      return [
        {
          collection: collection('find'),
          op: 'find',
          filter: filterShape(c['filter']),
          sort: sortShape(c['sort']),
          limited: positive(c['limit']) || c['singleBatch'] === true,
        },
      ];
    case 'findAndModify':
      return [{ collection: collection('findAndModify'), op: 'findAndModify', filter: filterShape(c['query']), sort: sortShape(c['sort']), limited: true }];
    case 'update':
      return (Array.isArray(c['updates']) ? c['updates'] : []).map((u: Record<string, unknown>) => ({
        collection: collection('update'),
        op: 'update' as const,
        filter: filterShape(u['q']),
        sort: sortShape(u['sort']),
        limited: u['multi'] !== true,
      }));
    case 'delete':
      return (Array.isArray(c['deletes']) ? c['deletes'] : []).map((d: Record<string, unknown>) => ({
        collection: collection('delete'),
        op: 'delete' as const,
        filter: filterShape(d['q']),
        sort: [],
        limited: positive(d['limit']),
      }));
    case 'count':
      return [{ collection: collection('count'), op: 'count', filter: filterShape(c['query']), sort: [], limited: positive(c['limit']) }];
    case 'distinct':
      return [{ collection: collection('distinct'), op: 'distinct', filter: filterShape(c['query']), sort: [], limited: false }];
    case 'aggregate': {
      if (typeof c['aggregate'] !== 'string') return []; // `aggregate: 1`: a database-level pipeline ($currentOp...)
      return [{ collection: c['aggregate'], op: 'aggregate', ...pipelineShape(c['pipeline']) }];
    }
    default:
      return [];
  }
}

/** The leading `$match`, then a `$sort` and a `$limit` right after it: what the planner can push to the index. */
function pipelineShape(pipeline: unknown): Pick<QueryShape, 'filter' | 'sort' | 'limited'> {
  const stages = Array.isArray(pipeline) ? (pipeline as Array<Record<string, unknown>>) : [];
  let i = 0;
  let filter = filterShape({});
  let sort: SortShape = [];
  let limited = false;
  if (stages[i] && '$match' in stages[i]!) filter = filterShape(stages[i++]!['$match']);
  if (stages[i] && '$sort' in stages[i]!) sort = sortShape(stages[i++]!['$sort']);
  if (stages[i] && '$limit' in stages[i]!) limited = true;
  return { filter, sort, limited };
}

/** A stable one-line rendering of a shape: `tasks find {status: eq, queued_at: range} sort {queued_at: 1, task_id: 1} limit`. */
export function describeShape(shape: QueryShape): string {
  const sort = shape.sort.length ? ` sort {${shape.sort.map(([f, d]) => `${f}: ${d}`).join(', ')}}` : '';
  return `${shape.collection} ${shape.op} ${describeFilter(shape.filter)}${sort}${shape.limited ? ' limited' : ''}`;
}

export function describeFilter(filter: FilterShape): string {
  const parts = Object.entries(filter.fields)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([f, k]) => `${f}: ${k}`);
  for (const group of filter.or) parts.push(`$or: [${group.map(describeFilter).join(' | ')}]`);
  for (const op of filter.opaque) parts.push(`${op}: …`);
  return `{${parts.join(', ')}}`;
}
