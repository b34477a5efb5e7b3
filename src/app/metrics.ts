/**
 * What the use cases count, as a port: the composition root plugs in Prometheus (adapters/metrics); without one,
 * nothing is counted. Gauges (audit backlog, oldest unwritten record, cache reloads) are read from the app when
 * scraped, so they need no call here.
 */
export interface AppMetrics {
  /**
   * A decision recorded through the audit log (authorize API, S3 gateway, Kubernetes): `Allow`, `ExplicitDeny`,
   * `ImplicitDeny`; or a Kubernetes webhook's answer of no opinion, not recorded: `NoOpinion`.
   */
  decision(result: string): void;
  /**
   * A request the IAM, STS or admin API refused for want of permission (AccessDenied), counted apart from `decision`
   * (review vf, 2): `ExplicitDeny`, `ImplicitDeny`, or `Deny` for a refusal no policy evaluation made (a session's kind).
   */
  apiRefusal?(api: 'iam' | 'sts' | 'admin', result: 'ExplicitDeny' | 'ImplicitDeny' | 'Deny'): void;
  /** A session was issued; `via` names the API (`AssumeRole`, `GetSessionToken`, `job`…). */
  sessionIssued(via: string): void;
  /** Audit records committed to the store. */
  auditWritten(n: number): void;
  /** A batch of audit records could not be written (it stays queued). */
  auditWriteFailed(): void;
  /** Audit records lost: the backlog reached its bound, or at stop they could be neither written nor spooled (reported, never silent). */
  auditDropped(n: number): void;
  /** An allowed decision left out of the audit log by sampling (GATEHOUSE_AUDIT_ALLOW_SAMPLE). */
  auditSampledOut(): void;
  /** The audit gate refused a session (`issuance`) or a directory change (`change`) under the closed policy. */
  auditGateRefused(what: 'issuance' | 'change'): void;
  /** A request refused at authentication left out of the audit log by its flood limits (src/app/auth-failures.ts). */
  authFailuresSuppressed?(): void;
  /** A session, change or job record that could not be written to the audit journal (a full or unwritable disk). */
  auditJournalFailed?(): void;
  /** The audit writer found the chain's head below the highest record this instance committed (records deleted or replaced). */
  auditHeadRegressed?(): void;
  /** Audit records the database refused for what they held, each written as a stand-in (`detail.unstorable`). */
  auditUnstorable?(n: number): void;
  /**
   * A request answered 503 because the store could not be reached, by a use case that answers it itself rather than
   * throwing to the edge (which counts its own): a scoped session that could not be recorded (review ht, 3).
   */
  storeUnavailable?(): void;
  /**
   * A `principalProof` the authorize API let in, bound to an audience or not: unbound ones are what
   * GATEHOUSE_AUTHORIZE_PROOF_AUDIENCES would refuse, so an operator sees whether any are still sent before setting it.
   */
  proofAccepted?(bound: boolean): void;
}

export const NO_METRICS: AppMetrics = {
  decision: () => {},
  sessionIssued: () => {},
  auditWritten: () => {},
  auditWriteFailed: () => {},
  auditDropped: () => {},
  auditSampledOut: () => {},
  auditGateRefused: () => {},
};
