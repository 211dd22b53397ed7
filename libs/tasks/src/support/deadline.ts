import type { Logger } from '../ports/logger.port';

/** Rejects with `Late` when `work` has not settled after `ms`; a late rejection of `work` is swallowed. */
export class Late extends Error {}

export function within<T>(ms: number, work: () => Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Late(`no answer within ${ms} ms`)), ms);
  });
  const running = Promise.resolve().then(work);
  running.catch(() => undefined);
  return Promise.race([running, late]).finally(() => clearTimeout(timer));
}

/**
 * Runs `work` for at most `ms`; a failure is logged (`could not <what>; ignored`) and swallowed,
 * and lateness is not waited for. For calls whose loss only delays something another path also does.
 */
export async function bestEffort(work: () => Promise<unknown>, ms: number, what: string, logger: Pick<Logger, 'warn'>, taskId: string): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)));
  try {
    await Promise.race([work(), late]);
  } catch (err) {
    logger.warn(`could not ${what}; ignored`, { task_id: taskId, error_message: err instanceof Error ? err.message : String(err) });
  } finally {
    clearTimeout(timer);
  }
}
