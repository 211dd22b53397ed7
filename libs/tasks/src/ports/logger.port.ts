/**
 * The logging the use cases need: levels, structured fields, child loggers
 * with bound fields. The apps pass their winston logger, which has this shape.
 */
export interface Logger {
  log(level: string, message: string, meta?: Record<string, unknown>): unknown;
  error(message: string, meta?: Record<string, unknown>): unknown;
  warn(message: string, meta?: Record<string, unknown>): unknown;
  info(message: string, meta?: Record<string, unknown>): unknown;
  debug(message: string, meta?: Record<string, unknown>): unknown;
  child(meta: Record<string, unknown>): Logger;
}
