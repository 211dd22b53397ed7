export { InMemoryStore } from './in-memory-store';
export { dropTestDatabase, isFerretDB, makeTask, openTestDatabase, requireMongoUri, testDatabaseName, testMongoEnv, tick, useTestDatabase } from './mongo-test-env';
export type { TestDatabase, TestDatabaseOptions } from './mongo-test-env';
