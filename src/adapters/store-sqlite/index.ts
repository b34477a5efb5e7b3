export { openSqliteStore, SQLITE_FILE_NAME, type SqliteStore, type SqliteStoreOptions } from './store.ts';
export { SQLITE_MIGRATIONS } from './migrations.ts';
