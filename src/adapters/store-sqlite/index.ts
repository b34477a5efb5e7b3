export { openSqliteStore, SQLITE_FILE_NAME, SQLITE_SYNCHRONOUS, type SqliteStore, type SqliteStoreOptions, type SqliteSynchronous } from './store.ts';
export { SQLITE_MIGRATIONS } from './migrations.ts';
