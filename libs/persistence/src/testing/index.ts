export { InMemoryStore } from './in-memory-store';
export * from './mongo-test-env';
