/**
 * What the use cases count, as a port: the composition root plugs in Prometheus (adapters/metrics); without one,
 * nothing is counted. Gauges (audit backlog, cache generation) are read from the app when scraped, so they need
 * no call here.
 */
export interface AppMetrics {
  /** A decision of the authorize API: `Allow`, `ExplicitDeny`, `ImplicitDeny`. */
  decision(result: string): void;
  /** A session was issued; `via` names the API (`AssumeRole`, `GetSessionToken`, `job`…). */
  sessionIssued(via: string): void;
  /** Audit records committed to the store. */
  auditWritten(n: number): void;
  /** A batch of audit records could not be written (it stays queued). */
  auditWriteFailed(): void;
  /** Audit records dropped because the backlog reached its bound (reported, never silent). */
  auditDropped(n: number): void;
}

export const NO_METRICS: AppMetrics = {
  decision: () => {},
  sessionIssued: () => {},
  auditWritten: () => {},
  auditWriteFailed: () => {},
  auditDropped: () => {},
};
