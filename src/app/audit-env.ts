/**
 * The audit settings of the environment: their own module, so that `gatehouse server --help` (and every other
 * command, which builds the whole command tree) reads them without loading the audit log's use cases.
 */
/** The audit settings of the environment, as `gatehouse server --help` lists them. */
export const AUDIT_ENV = {
  GATEHOUSE_AUDIT_FAILURE: '`closed` (default): no session is issued and the directory does not change while the audit log is not known to be writable; `open`: they go on, and their records wait in memory',
  GATEHOUSE_AUDIT_ALLOW_SAMPLE: 'share of allowed decisions recorded, a decimal number from 0 to 1 (default 1: all); each allow is chosen at random, denials are always recorded',
  GATEHOUSE_AUDIT_RETENTION_DAYS: 'prune records older than this many days, hourly (default: keep forever)',
  GATEHOUSE_AUDIT_DRAIN_SECONDS: 'on SIGTERM, how long to keep trying to write queued records before spooling them to DIR/audit-spool (default 10; the spool is written at most this long after the edges\' 10 s grace)',
  GATEHOUSE_AUDIT_JOURNAL: '`on` (default): records of sessions, changes and jobs are also written to DIR/audit-spool as they happen, so a hard stop (kill -9) loses none; `off`: they wait in memory only (a read-only data dir, or to measure what the journal costs)',
} as const;
