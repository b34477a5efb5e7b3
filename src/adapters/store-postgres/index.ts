export { openPostgresStore, DATABASE_URL_ENV, SCHEMA_NAME, type PostgresStore, type PostgresStoreOptions } from './store.ts';
export { POSTGRES_MIGRATIONS } from './migrations.ts';
