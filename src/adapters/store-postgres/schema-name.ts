/**
 * The schema names the PostgreSQL store takes (`schema`, GATEHOUSE_DATABASE_SCHEMA): a plain lower-case identifier, at
 * most 63 characters. Its own module so that the server checks its options without loading `pg`, which a server on
 * the SQLite store never needs (src/main/server.ts imports the store only when it is asked for).
 */
export const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;
