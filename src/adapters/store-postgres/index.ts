export { openPostgresStore, DATABASE_URL_ENV, type PostgresStore, type PostgresStoreOptions } from './store.ts';
export { POSTGRES_MIGRATIONS } from './migrations.ts';
