/**
 * Prometheus metrics at `GET /metrics` (prom-client, its own Registry so that tests and embedders running several
 * servers in one process never share counters):
 *
 *   gatehouse_decisions_total{result}                      every decision (authorize API, S3 gateway, Kubernetes) by result;
 *                                                          NoOpinion: a Kubernetes webhook answer that leaves it to the next authorizer
 *   gatehouse_decisions_total{api,result}                  the IAM, STS and admin APIs' refusals (AccessDenied) by verdict (review vf, 2):
 *                                                          api iam, sts, admin; result ExplicitDeny, ImplicitDeny, or Deny (no
 *                                                          policy evaluation made it); their allows are not counted
 *   gatehouse_sessions_issued_total{via}                   sessions issued (AssumeRole, GetSessionToken, GetFederationToken, ConsoleSignIn, job, …)
 *   gatehouse_http_request_duration_seconds{api,code}      request latency per API (iam, sts, admin, authorize, audit, s3, agent, …), timed
 *                                                          when its connection closes; code 499: the client left before any answer
 *   gatehouse_cache_head                                   the change-log head this instance has loaded
 *   gatehouse_cache_reloads_total                          how often this instance has reloaded compiled principals
 *   gatehouse_directory_staleness_seconds                  seconds since this instance last refreshed from the store (its change log)
 *   gatehouse_audit_backlog                                audit records queued, not yet written
 *   gatehouse_audit_oldest_unwritten_seconds               age of the oldest of them (0 when none)
 *   gatehouse_audit_healthy                                1 while the audit log is known to be writable, else 0 (0 while the
 *                                                          server starts: nothing is known of it yet, review qg, 1)
 *   gatehouse_audit_records_written_total / _write_failures_total / _dropped_total
 *   gatehouse_audit_allows_sampled_out_total               allowed decisions left out by GATEHOUSE_AUDIT_ALLOW_SAMPLE
 *   gatehouse_audit_auth_failures_suppressed_total        refused authentications not recorded because of the audit log's flood limits
 *   gatehouse_audit_gate_refusals_total{what}              sessions (issuance) and changes refused by the closed audit gate
 *   gatehouse_store_unavailable_total                      requests answered 503 because the store was unreachable
 *   gatehouse_waiting_for_database                         1 while the start waits for its database (the exposition is served
 *                                                          from the start, on --listen and --health-listen: review lm, 2)
 *   process_* and nodejs_*                                 prom-client's default process metrics (under `--workers`, summed or as
 *                                                          prom-client aggregates them; process_start_time_seconds the latest start),
 *                                                          but its three gauges named `…_total` (GAUGES_NAMED_AS_COUNTERS)
 *
 * Gauges are read from the app at scrape time (`bind`), so the hot paths pay only for counters. Labelled counters
 * start at 0 for every value they can take (alerts see a series before the first event), and a label value
 * outside that set is counted as `other`, so no label grows without bound.
 *
 * Under `--workers` (`peers`) a scrape answers for the server: every serving worker's metrics, aggregated as
 * prom-client's cluster support does (counters and histograms summed, each gauge by its `aggregator`). One worker's
 * alone, under the same names, made its counters fall and rise from scrape to scrape as connections went to one
 * worker or the other, and Prometheus took each fall for a reset (review ct, 2).
 */
import { AggregatorRegistry, collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { AppMetrics } from '../../app/metrics.ts';

export interface MetricsSources {
  readonly auditBacklog: () => number;
  readonly auditHealthy: () => boolean;
  /** Age of the oldest audit record not yet written, seconds (0 when none). */
  readonly auditOldestUnwrittenSeconds?: () => number;
  readonly cacheHead: () => number;
  /** How many times this instance has reloaded (only grows): shown as the counter `gatehouse_cache_reloads_total`. */
  readonly cacheGeneration: () => number;
  /** Seconds since the start of the last refresh from the store that succeeded (0 before the first load). */
  readonly directoryStalenessSeconds?: () => number;
  /** Jobs this instance holds in memory (src/app/jobs.ts `stats`): about the live jobs it serves. */
  readonly jobsHeld?: () => number;
}

/** The other workers of `--workers` (src/adapters/cluster `workerMetrics`). */
export interface MetricsPeers {
  /** Every serving worker's metrics (`getMetricsAsJSON`), this one's included; rejects when one does not answer. */
  all(): Promise<readonly object[]>;
  /** Answers the supervisor's requests for this worker's own metrics. */
  serve(own: () => Promise<object>): void;
}

/** The values each labelled counter can take (anything else is `other`). */
// `NoOpinion`: the Kubernetes authorization webhook's answer that leaves the request to kube-apiserver's next authorizer
// (no label for it before: the webhook's traffic did not show, review lm, 1).
export const DECISION_RESULTS = ['Allow', 'ExplicitDeny', 'ImplicitDeny', 'NoOpinion'] as const;
// `ConsoleSignIn`: the web console's own session (POST /v1/console/sign-in), counted as `other` before (review lc, 1).
export const SESSION_VIAS = ['AssumeRole', 'GetSessionToken', 'GetFederationToken', 'AssumeRoleWithWebIdentity', 'AssumeRoleWithOIDC', 'ConsoleSignIn', 'job', 'service'] as const;
export const GATE_REFUSALS = ['issuance', 'change'] as const;
/**
 * The APIs whose refusals `gatehouse_decisions_total` counts under an `api` label, and their verdicts: a label the
 * series of the other decisions do not have, so that those keep their names and labels (review vf, 2).
 */
export const REFUSING_APIS = ['iam', 'sts', 'admin'] as const;
export const REFUSAL_RESULTS = ['ExplicitDeny', 'ImplicitDeny', 'Deny'] as const;
const bounded = (known: readonly string[]): ((v: string) => string) => {
  const set = new Set(known);
  return (v) => (set.has(v) ? v : 'other');
};

export interface Metrics {
  /** What the app counts (decisions, sessions, audit writes). */
  readonly app: AppMetrics;
  /** Reads the gauges from the running app. */
  bind(sources: MetricsSources): void;
  /** One HTTP request answered: which API, its status, how long it took. */
  observeRequest(api: string, status: number, seconds: number): void;
  storeUnavailable(): void;
  /** Whether the start waits for its database now (`gatehouse_waiting_for_database`). */
  waitingForDatabase(waiting: boolean): void;
  readonly contentType: string;
  render(): Promise<string>;
}

/**
 * prom-client's default gauges whose names end in `_total`, a counter's suffix (the sums of `nodejs_active_handles{type}`,
 * `nodejs_active_requests{type}` and `nodejs_active_resources{type}` over their types; prometheus/client_js#283): not
 * served. `promtool check metrics` failed on each ("non-counter metrics should not have "_total" suffix"), and a gauge
 * named as a counter misleads `rate()` and the tools that take `_total` for a monotonic sum (review vb, 2). The
 * per-type gauges stay: `sum(nodejs_active_handles)` is the total.
 */
const GAUGES_NAMED_AS_COUNTERS = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'] as const;

/**
 * Request latency buckets, seconds: 100 µs (a cached decision) to 5 s (a big apply), then on to 300 s: an S3 object of
 * gigabytes, a request waiting on a database that hangs (the edge and the gateway cut a request after 120 s without a
 * byte). They stopped at 5 s, so everything slower fell in `+Inf`, where `histogram_quantile` answers the largest
 * finite bound: a slow API's p99 read 5 s however slow it was (review vb, 3).
 */
const BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

export function createMetrics(options: { defaultMetrics?: boolean; peers?: MetricsPeers } = {}): Metrics {
  const registry = new Registry();
  options.peers?.serve(() => registry.getMetricsAsJSON());
  if (options.defaultMetrics ?? true) {
    collectDefaultMetrics({ register: registry });
    for (const name of GAUGES_NAMED_AS_COUNTERS) registry.removeSingleMetric(name);
  }
  let sources: MetricsSources | undefined;

  // Decisions are counted here, one number for each result, and added to the counter when it is read (`collect`: before
  // every scrape and every report to a supervisor): `inc` with a label hashes the labels each time, on every decision.
  const uncounted = new Map<string, number>();
  const decisions = new Counter({
    name: 'gatehouse_decisions_total',
    help: 'Access decisions made, by result (Allow, ExplicitDeny, ImplicitDeny; NoOpinion: a Kubernetes authorization webhook answer that leaves the request to the next authorizer): the authorize API, the S3 gateway and the Kubernetes authorization webhook; with an api label (iam, sts, admin), the refusals (AccessDenied) of the IAM, STS and admin APIs, by verdict (Deny: made by no policy evaluation), whose allows are not counted',
    labelNames: ['result', 'api'] as const,
    registers: [registry],
    collect() {
      for (const [result, n] of uncounted) this.inc({ result }, n);
      uncounted.clear();
    },
  });
  const sessions = new Counter({ name: 'gatehouse_sessions_issued_total', help: 'Temporary sessions issued, by API', labelNames: ['via'] as const, registers: [registry] });
  const sampledOut = new Counter({ name: 'gatehouse_audit_allows_sampled_out_total', help: 'Allowed decisions not recorded in the audit log because of allow sampling (GATEHOUSE_AUDIT_ALLOW_SAMPLE)', registers: [registry] });
  const authFailuresSuppressed = new Counter({
    name: 'gatehouse_audit_auth_failures_suppressed_total',
    help: 'Requests refused at authentication not recorded in the audit log because of its flood limits (per source IP and global); the next record from the same IP carries the count as suppressed',
    registers: [registry],
  });
  const journalFailures = new Counter({
    name: 'gatehouse_audit_journal_failures_total',
    help: 'Session, change and job records that could not be written to the audit journal (DIR/audit-spool): queued as usual, but a hard stop before they are written would lose them',
    registers: [registry],
  });
  const headRegressions = new Counter({
    name: 'gatehouse_audit_head_regressions_total',
    help: 'Times the audit writer found the chain\'s head below the highest record this instance had committed: records deleted or replaced in the database, or the database restored from a backup (check with gatehouse audit verify --expect)',
    registers: [registry],
  });
  const proofs = new Counter({
    name: 'gatehouse_authorize_proofs_total',
    help: 'principalProofs the authorize API let in, by whether they were bound to an audience (x-gatehouse-audience): an unbound one can be replayed by the resource server shown it to another that names no audience; GATEHOUSE_AUTHORIZE_PROOF_AUDIENCES refuses them',
    labelNames: ['bound'] as const,
    registers: [registry],
  });
  for (const bound of ['true', 'false']) proofs.inc({ bound }, 0);
  const unstorable = new Counter({
    name: 'gatehouse_audit_records_unstorable_total',
    help: 'Audit records the database refused to store for what they held (a value it cannot store): each was written as a stand-in with detail.unstorable (its kind, account, principal, action, time, the SHA-256 of the record refused and why), and logged',
    registers: [registry],
  });
  const gateRefusals = new Counter({
    name: 'gatehouse_audit_gate_refusals_total',
    help: 'Session issuances and directory changes refused because the audit log was not known to be writable (GATEHOUSE_AUDIT_FAILURE=closed)',
    labelNames: ['what'] as const,
    registers: [registry],
  });
  for (const result of DECISION_RESULTS) decisions.inc({ result }, 0);
  for (const api of REFUSING_APIS) for (const result of REFUSAL_RESULTS) decisions.inc({ api, result }, 0);
  for (const via of SESSION_VIAS) sessions.inc({ via }, 0);
  for (const what of GATE_REFUSALS) gateRefusals.inc({ what }, 0);
  const resultOf = bounded(DECISION_RESULTS);
  const viaOf = bounded(SESSION_VIAS);
  const latency = new Histogram({
    name: 'gatehouse_http_request_duration_seconds',
    help: 'Time to answer an HTTP request, by API and status code',
    labelNames: ['api', 'code'] as const,
    buckets: BUCKETS,
    registers: [registry],
  });
  const written = new Counter({ name: 'gatehouse_audit_records_written_total', help: 'Audit records committed to the store', registers: [registry] });
  const failures = new Counter({ name: 'gatehouse_audit_write_failures_total', help: 'Attempts to write a batch of audit records that failed (the records stay queued)', registers: [registry] });
  const dropped = new Counter({ name: 'gatehouse_audit_dropped_total', help: 'Audit records lost: the backlog reached its bound, or at stop they could be neither written nor spooled', registers: [registry] });
  const unavailable = new Counter({ name: 'gatehouse_store_unavailable_total', help: 'Requests answered 503 because the store could not be reached', registers: [registry] });
  // `aggregator`: how the workers' values make the server's (`peers`).
  new Gauge({ name: 'gatehouse_audit_backlog', help: 'Audit records queued, not yet written', aggregator: 'sum', registers: [registry], collect() { this.set(sources?.auditBacklog() ?? 0); } });
  new Gauge({
    name: 'gatehouse_audit_oldest_unwritten_seconds',
    help: 'Age of the oldest audit record queued and not yet written (0 when none); under the closed policy issuance stops once it passes 2 s',
    aggregator: 'max',
    registers: [registry],
    collect() {
      this.set(sources?.auditOldestUnwrittenSeconds?.() ?? 0);
    },
  });
  // 0 until the app is bound: served from the start (review lm, 2), a scrape while the database was awaited read 1, an
  // audit log said healthy that nothing was known of (review qg, 1).
  new Gauge({
    name: 'gatehouse_audit_healthy',
    help: '1 while the audit log is known to be writable, 0 while writes fail or records wait too long, and while the server starts (its database awaited, its directory loading)',
    aggregator: 'min',
    registers: [registry],
    collect() {
      this.set(sources !== undefined && sources.auditHealthy() ? 1 : 0);
    },
  });
  new Gauge({ name: 'gatehouse_cache_head', help: 'Sequence number of the last change this instance has loaded into its caches', aggregator: 'min', registers: [registry], collect() { this.set(sources?.cacheHead() ?? 0); } });
  new Gauge({
    name: 'gatehouse_directory_staleness_seconds',
    help: 'Seconds since this instance last refreshed its compiled directory, key ring and revocations from the store (about the poll interval when healthy; grows while the store cannot be reached, and past --max-staleness the instance answers 503)',
    aggregator: 'max',
    registers: [registry],
    collect() {
      this.set(sources?.directoryStalenessSeconds?.() ?? 0);
    },
  });
  new Gauge({
    name: 'gatehouse_jobs_held',
    help: 'Jobs this instance holds in memory (under --workers, the sum over its workers: a job two of them serve counts twice): cached credentials, job documents, heartbeats. About the live jobs it serves; one that ends, through any instance, is dropped within a sweep interval (5 s)',
    aggregator: 'sum',
    registers: [registry],
    collect() {
      this.set(sources?.jobsHeld?.() ?? 0);
    },
  });
  let waitingForDatabase = false;
  new Gauge({
    name: 'gatehouse_waiting_for_database',
    help: 'The start waits for its database: 1 while it cannot be reached (GATEHOUSE_DATABASE_WAIT_SECONDS bounds the wait; /readyz answers 503 meanwhile), else 0',
    aggregator: 'max',
    registers: [registry],
    collect() {
      this.set(waitingForDatabase ? 1 : 0);
    },
  });
  // A count that only grows, read from the app when scraped: the counter follows it by its increase.
  let reloadsSeen = 0;
  new Counter({
    name: 'gatehouse_cache_reloads_total',
    help: 'How many times this instance has reloaded compiled principals into its caches',
    registers: [registry],
    collect() {
      const now = sources?.cacheGeneration() ?? 0;
      if (now > reloadsSeen) this.inc(now - reloadsSeen);
      reloadsSeen = Math.max(reloadsSeen, now);
    },
  });

  return {
    app: {
      decision: (result) => {
        const r = resultOf(result);
        uncounted.set(r, (uncounted.get(r) ?? 0) + 1);
      },
      apiRefusal: (api, result) => decisions.inc({ api, result }),
      sessionIssued: (via) => sessions.inc({ via: viaOf(via) }),
      auditWritten: (n) => written.inc(n),
      auditWriteFailed: () => failures.inc(),
      auditDropped: (n) => dropped.inc(n),
      auditSampledOut: () => sampledOut.inc(),
      auditGateRefused: (what) => gateRefusals.inc({ what }),
      authFailuresSuppressed: () => authFailuresSuppressed.inc(),
      auditJournalFailed: () => journalFailures.inc(),
      auditHeadRegressed: () => headRegressions.inc(),
      auditUnstorable: (n) => unstorable.inc(n),
      proofAccepted: (bound) => proofs.inc({ bound: bound ? 'true' : 'false' }),
      storeUnavailable: () => unavailable.inc(),
    },
    bind(s) {
      sources = s;
    },
    observeRequest(api, status, seconds) {
      latency.observe({ api, code: String(status) }, seconds);
    },
    storeUnavailable: () => unavailable.inc(),
    waitingForDatabase: (waiting) => void (waitingForDatabase = waiting),
    contentType: registry.contentType,
    render: async () => {
      const peers = options.peers;
      return peers === undefined ? registry.metrics() : AggregatorRegistry.aggregate((await peers.all()).map(startTimeKept)).metrics();
    },
  };
}

/**
 * A worker's metrics (`getMetricsAsJSON`) with `process_start_time_seconds` aggregated as the latest start, not left
 * out: prom-client's aggregator for it is `omit`, and under `--workers` the gauge was gone from every scrape, the
 * uptime of the usual dashboards blank and an alert on restarts unable to fire (review lc, 3). The youngest worker's
 * start: a worker restarted is a restart seen.
 */
function startTimeKept(part: object): object {
  if (!Array.isArray(part)) return part;
  return part.map((m: unknown) => (typeof m === 'object' && m !== null && (m as { name?: unknown }).name === 'process_start_time_seconds' ? { ...m, aggregator: 'max' } : m));
}

/** Which API a request belongs to, from its method and path (the Query API is told apart later, by `Version`). */
export function apiOf(method: string | undefined, path: string): string {
  if (path === '/') return method === 'POST' ? 'query' : 'other';
  if (path === '/healthz' || path === '/readyz') return 'health';
  if (path === '/metrics') return 'metrics';
  if (path.startsWith('/v1/authorize') || path === '/v1/simulate') return 'authorize';
  if (path.startsWith('/v1/audit')) return 'audit';
  if (path.startsWith('/v1/')) return 'admin';
  if (path.startsWith('/k8s/')) return 'kubernetes';
  if (path.startsWith('/.well-known/') || path.startsWith('/oidc')) return 'oidc';
  if (path === '/ui' || path.startsWith('/ui/')) return 'console';
  return 'other';
}
