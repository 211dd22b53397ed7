/**
 * Index coverage: does some declared index bound each query, the way MongoDB's planner would use it?
 *
 * For one query shape and one index (keys k1..kn), the index bounds the query by its longest prefix
 * of fields the filter pins by equality (or `$in`), plus the next key when the filter gives it a
 * range. A query is covered when:
 * - a unique index has all its keys pinned by equality (a point lookup: at most one document; `_id`
 *   included), or
 * - some index bounds a non-empty prefix of it, and serves its sort too: the sort's keys (minus the
 *   fields pinned by equality) are the index's keys right after the equality prefix, in the index's
 *   order or all reversed. Other filter fields are checked on the fetched documents (reported as
 *   `residual`, which is fine), or
 * - it is a top-level `$or` whose every branch (with the fields ANDed to it) is covered, or
 * - it has no filter but a limit, and (when sorted) an index walk gives its order.
 *
 * Otherwise it is reported:
 * - `no-index`: no index bounds the filter, so MongoDB scans the collection (with `notablescan` it
 *   fails: "No indexed plans available");
 * - `in-memory-sort`: an index bounds the filter but none gives the order, so every match is read
 *   and sorted in memory before the limit applies;
 * - `unbounded`: no filter and no limit, so the whole collection (or index) is read.
 */
import { describeFilter, describeShape, type FilterShape, type PredicateKind, type QueryShape, type SortShape } from './query-shapes';

export interface IndexSpec {
  name: string;
  keys: Array<[field: string, direction: number | string]>;
  unique: boolean;
}

/** Declared indexes by collection name. `_id` is implied for every collection. */
export type IndexCatalog = Record<string, IndexSpec[]>;

export type CoverageProblem = 'no-index' | 'in-memory-sort' | 'unbounded';

export type Verdict =
  | { ok: true; index: string; how: 'point' | 'bounded' | 'or' | 'walk' | 'count'; residual: string[] }
  | { ok: false; problem: CoverageProblem; detail: string };

export const ID_INDEX: IndexSpec = { name: '_id_', keys: [['_id', 1]], unique: true };

const BOUNDABLE: ReadonlySet<PredicateKind> = new Set(['eq', 'in']);

function indexesOf(catalog: IndexCatalog, collection: string): IndexSpec[] {
  const declared = catalog[collection] ?? [];
  return declared.some((i) => i.name === ID_INDEX.name) ? declared : [ID_INDEX, ...declared];
}

const describeIndex = (index: IndexSpec): string => `{${index.keys.map(([f, d]) => `${f}: ${d}`).join(', ')}}`;

/** What one index does for a conjunction of field predicates and a sort. */
function useIndex(index: IndexSpec, fields: Record<string, PredicateKind>, sort: SortShape) {
  let eqLen = 0;
  let sawIn = false;
  while (eqLen < index.keys.length) {
    const kind = fields[index.keys[eqLen]![0]];
    if (kind === undefined || !BOUNDABLE.has(kind)) break;
    if (kind === 'in') sawIn = true;
    eqLen++;
  }
  const next = index.keys[eqLen];
  const hashed = index.keys.some(([, d]) => d === 'hashed');
  const rangeUsed = !hashed && next !== undefined && fields[next[0]] === 'range';
  const bounded = index.keys.slice(0, eqLen + (rangeUsed ? 1 : 0)).map(([f]) => f);
  const point = index.unique && eqLen === index.keys.length && !sawIn;
  return { bounded, point, sortOk: servesSort(index, fields, sort, eqLen, sawIn) };
}

/** Whether the index, walked after its first `eqLen` (equality-bound) keys, gives the rows in `sort` order. */
function servesSort(index: IndexSpec, fields: Record<string, PredicateKind>, sort: SortShape, eqLen: number, sawIn: boolean): boolean {
  const remaining = sort.filter(([f]) => fields[f] !== 'eq');
  if (remaining.length === 0) return true;
  if (sawIn) return false; // several points: each in order, not the whole (MongoDB may merge them; not counted on)
  let sign = 0;
  for (let j = 0; j < remaining.length; j++) {
    const key = index.keys[eqLen + j];
    const [field, dir] = remaining[j]!;
    if (!key || key[0] !== field || typeof key[1] !== 'number') return false;
    const s = Math.sign(key[1]) * dir;
    if (sign === 0) sign = s;
    else if (s !== sign) return false;
  }
  return true;
}

function evaluate(filter: FilterShape, sort: SortShape, limited: boolean, indexes: IndexSpec[], op: QueryShape['op']): Verdict {
  const fields = filter.fields;
  if (Object.keys(fields).length === 0 && filter.or.length === 0 && filter.opaque.length === 0) {
    if (op === 'count') return { ok: true, index: '(collection metadata)', how: 'count', residual: [] };
    if (sort.length === 0) {
      return limited ? { ok: true, index: '(any document)', how: 'walk', residual: [] } : { ok: false, problem: 'unbounded', detail: 'no filter and no limit: reads the whole collection' };
    }
    const walker = indexes.find((i) => servesSort(i, {}, sort, 0, false));
    if (!walker) return { ok: false, problem: 'in-memory-sort', detail: 'no filter, and no index gives this order' };
    return limited ? { ok: true, index: walker.name, how: 'walk', residual: [] } : { ok: false, problem: 'unbounded', detail: `no filter and no limit: walks all of ${walker.name}` };
  }

  const uses = indexes.map((index) => ({ index, ...useIndex(index, fields, sort) }));
  const point = uses.find((u) => u.point);
  if (point) return { ok: true, index: point.index.name, how: 'point', residual: residualOf(filter, point.bounded) };
  const usable = uses.filter((u) => u.bounded.length > 0);
  // The most selective usable index that also gives the order.
  const best = usable.filter((u) => u.sortOk).sort((a, b) => b.bounded.length - a.bounded.length)[0];
  if (best) return { ok: true, index: best.index.name, how: 'bounded', residual: residualOf(filter, best.bounded) };

  // No index bounds the ANDed fields with the right order: a top-level $or can still be answered
  // branch by branch (each branch with the fields ANDed to it), merging the branches' sorted walks.
  let orFailure: Verdict | undefined;
  for (const group of filter.or) {
    const verdicts = group.map((branch) => ({
      branch,
      verdict: evaluate({ fields: { ...fields, ...branch.fields }, or: branch.or, opaque: [...filter.opaque, ...branch.opaque] }, sort, limited, indexes, op),
    }));
    const failed = verdicts.find((v) => !v.verdict.ok);
    if (!failed) {
      const names = [...new Set(verdicts.map((v) => (v.verdict.ok ? v.verdict.index : '')))].join(' + ');
      return { ok: true, index: names, how: 'or', residual: [] };
    }
    if (!failed.verdict.ok) orFailure ??= { ...failed.verdict, detail: `$or branch ${describeFilter(failed.branch)}: ${failed.verdict.detail}` };
  }

  if (usable.length > 0) {
    const names = usable.map((u) => describeIndex(u.index)).join(', ');
    return { ok: false, problem: 'in-memory-sort', detail: `bounded by ${names}, but no index gives the order: every match is sorted in memory` };
  }
  return orFailure ?? { ok: false, problem: 'no-index', detail: 'no index has a prefix the filter bounds: collection scan' };
}

function residualOf(filter: FilterShape, bounded: string[]): string[] {
  const residual = Object.keys(filter.fields).filter((f) => !bounded.includes(f));
  if (filter.or.length) residual.push('$or');
  residual.push(...filter.opaque);
  return residual;
}

/** Checks one query shape against the catalog's indexes of its collection. */
export function checkShape(shape: QueryShape, catalog: IndexCatalog): Verdict {
  return evaluate(shape.filter, shape.sort, shape.limited, indexesOf(catalog, shape.collection), shape.op);
}

export interface CoverageFinding {
  /** `describeShape` of the query: collection, operation, filter shape, sort. */
  query: string;
  problem: CoverageProblem;
  detail: string;
  /** How many times the query was seen. */
  seen: number;
}

export interface CoverageReport {
  /** Distinct covered shapes, with the index that serves each. */
  covered: Array<{ query: string; index: string; how: string; residual: string[]; seen: number }>;
  uncovered: CoverageFinding[];
}

/** Checks every shape (duplicates counted once, with a count). */
export function checkCoverage(shapes: Iterable<QueryShape>, catalog: IndexCatalog): CoverageReport {
  const byQuery = new Map<string, { shape: QueryShape; seen: number }>();
  for (const shape of shapes) {
    const key = describeShape(shape);
    const entry = byQuery.get(key);
    if (entry) entry.seen++;
    else byQuery.set(key, { shape, seen: 1 });
  }
  const report: CoverageReport = { covered: [], uncovered: [] };
  for (const [query, { shape, seen }] of [...byQuery].sort(([a], [b]) => a.localeCompare(b))) {
    const verdict = checkShape(shape, catalog);
    if (verdict.ok) report.covered.push({ query, index: verdict.index, how: verdict.how, residual: verdict.residual, seen });
    else report.uncovered.push({ query, problem: verdict.problem, detail: verdict.detail, seen });
  }
  return report;
}

/** The uncovered queries as a readable list, one per line: `(collection op filter sort) → problem: detail`. */
export function formatFindings(findings: readonly CoverageFinding[]): string {
  if (findings.length === 0) return 'every query is index-backed';
  return findings.map((f) => `- ${f.query} → ${f.problem === 'no-index' ? 'no index' : f.problem}: ${f.detail} (seen ${f.seen}×)`).join('\n');
}
