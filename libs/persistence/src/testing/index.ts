export { InMemoryStore } from './in-memory-store';
export { dropTestDatabase, isFerretDB, makeTask, openTestDatabase, requireMongoUri, tick } from './mongo-test-env';
export type { TestDatabase } from './mongo-test-env';
