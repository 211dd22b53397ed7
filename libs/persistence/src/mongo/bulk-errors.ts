/**
 * The per-document failures of the driver's bulk operations (`insertMany` / `bulkWrite` unordered):
 * which documents failed and why, so a batch's other documents count as written.
 */

/** One document's failure in a bulk write, as the driver reports it. */
interface WriteErrorLike {
  index: number;
  code?: number;
  errmsg?: string;
}

/** The per-document failures of a bulk write error (the driver gives one or an array); null for any other error. */
export function writeErrorsOf(err: unknown): WriteErrorLike[] | null {
  const list = (err as { writeErrors?: unknown } | null)?.writeErrors;
  if (list === undefined || list === null) return null;
  const all = (Array.isArray(list) ? list : [list]) as WriteErrorLike[];
  return all.length > 0 && all.every((w) => typeof w?.index === 'number') ? all : null;
}

/** A bulk write's per-document failure as an error `mapMongoError` understands (its code and message). */
export function writeErrorAsError(w: unknown): Error {
  const { code, errmsg } = (w ?? {}) as WriteErrorLike;
  return Object.assign(new Error(errmsg ?? 'write failed'), { name: 'MongoServerError', code });
}
