/**
 * Polls `check` until it resolves true or `timeoutMs` passes; resolves whether it succeeded.
 * Used at boot for Redis: a fail-fast Bull queue refuses commands until its
 * connection is up, and `queue.isReady()` does not wait for that.
 */
export async function waitUntil(check: () => Promise<boolean>, { timeoutMs, intervalMs = 100 }: { timeoutMs: number; intervalMs?: number }): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return true;
    if (Date.now() + intervalMs > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
