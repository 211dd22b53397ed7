// Stops the servers services-setup.mjs started (external ones are left alone).

/**
 * How services-setup.mjs hands its servers to this teardown (Jest runs both in one process).
 * @typedef {{ __AO_SERVICES__?: Array<{ stop: () => Promise<void> }> }} ServicesGlobal
 */

export default async function teardown() {
  const services = /** @type {ServicesGlobal} */ (globalThis).__AO_SERVICES__ ?? [];
  await Promise.allSettled(services.map((s) => s.stop()));
}
