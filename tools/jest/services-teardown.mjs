// Stops the servers services-setup.mjs started (external ones are left alone).
export default async function teardown() {
  const services = globalThis.__AO_SERVICES__ ?? [];
  await Promise.allSettled(services.map((s) => s.stop()));
}
