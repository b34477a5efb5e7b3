/**
 * Routes of the audit log (under `/v1/`, SigV4 service `gatehouse`); readers need `gatehouse:ReadAudit` (the
 * root account's administrators have it; other accounts' principals see their own account's records):
 *   GET /v1/audit?account=&principal=&role=&job=&action=&accessKeyId=&requestId=&decision=&kind=&since=&until=&after=&limit=
 *       → {records: [...], next?}: oldest first; pass `next` as `after` for the following page, until a page has no
 *       `next`. A page holds `limit` records, or fewer (none, even) with a `next` when the server stopped looking
 *       50,000 records past `after` (AUDIT_SCAN_WINDOW, review ef5), or 50,000 entries of the one index key its filter
 *       is read through (review eh5): a filter few records match is read in steps. An `after` past the newest record
 *       (no `next` of this log) is refused, 400 naming `after` (review hc, 1).
 *       `prunedThrough`: the checkpoint's seq, when `after` lies before it (those records were pruned, review fi, 2).
 *   GET /v1/audit/verify?expect=SEQ:HASH
 *       → {ok, checked, head, base, anchor?, expected?, broken?}   (root account only: the whole chain); `anchor` is
 *       the head as `SEQ:HASH`, to keep outside the database, only when `ok` (review sa, 1); with `expect` (an anchor kept earlier) the chain is
 *       broken unless that record is still there with that hash (tail truncation shows only this way)
 *   GET /v1/audit/status   → the audit log's `AuditStatus` (src/app/audit.ts): policy, backlog, health, counts, settings;
 *       to principals of other accounts than the root account, without the store's last error and the journal's path
 * `since`/`until` take epoch seconds (9 digits or more, review ro, 2), ISO-8601 times (a date, or a date and time whose zone defaults to UTC; a day, hour or offset out
 * of range is refused, never moved; an offset's `+` sent unencoded, which the query string turns into a space, is read
 * as `+`) or durations back from now (`15m`, `24h`, `7d`); `since` must come before `until`.
 * `action` takes an action in any case, or a pattern with IAM's wildcards `*` and `?` (review ro, 1).
 * `decision` takes a value records carry (`DECISION_HELP`), in any case, or the AWS error code clients see for a refused
 * change; `AccessDenied` finds every refusal (`ACCESS_DENIED`, `Deny`, `ExplicitDeny`, `ImplicitDeny`); another error
 * code also finds the `Deny` records of sessions and authentications refused with it (review ro, 3); anything else is
 * refused, not matched to nothing.
 */
import { ERROR_CODES, failWith, ok, type ErrorCode, type Result } from '../../core/errors.ts';
import { shortName } from '../../core/directory/rules.ts';
import { AUDIT_KINDS, type AuditFilter } from '../../core/audit/index.ts';
import { refusedRequest } from '../../app/refused-request.ts';
import type { App, Caller } from '../../app/index.ts';
import { actorOf, authorizeAdmin } from '../../app/principals.ts';
import { auditArn, mayVerifyAudit, parseAnchor, READ_AUDIT, recordedPrincipal } from '../../app/audit.ts';
import { recordedJobId, recordedPrincipalArn, recordedRoleArn } from '../../app/audit-spelling.ts';
import { auditTimeOf } from '../../app/audit-time.ts';
import { ROOT_ACCOUNT } from '../../app/accounts.ts';
import type { DecisionValue } from '../../core/iam/types.ts';
import { clusterArn, clusterKey, workspaceArn, workspaceKey, type JobState } from '../../core/jobs/jobs.ts';
import { accessEntryKey, clusterWebhookKey } from '../../app/kube-apply.ts';
import { resourcePolicyKey } from '../../app/resource-policies.ts';
import { documentValue } from '../../app/document-diff.ts';
import { HTTP_ERRORS } from './errors.ts';
import { isStoreOutcomeUnknown, isStoreUnavailable } from '../../app/ports/store.ts';

interface Ctx {
  readonly app: App;
  readonly caller: Caller;
  readonly params: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
  readonly body: Record<string, unknown>;
  readonly text: string;
  /**
   * Told the action the route decided and the ARN it is on (`JobsRouteContext.actionDecided`): the record names them;
   * `about`, what the record's `detail` says of the stored item in place of the URL's spelling (`EDGE_CHANGES.about`).
   */
  readonly actionDecided?: (action: string, resource: string, about?: Record<string, unknown>) => void;
}

interface Route {
  readonly method: string;
  readonly pattern: readonly string[];
  readonly handler: (ctx: Ctx) => Promise<Result<{ status?: number; body: unknown }>>;
}

// Every outcome a record carries (`AuditEvent.decision`), as stored: the engine's decisions and `Deny` (refused
// sessions, job submissions and admissions), job states, and for changes `ok`, `error` (apply) or an error code.
// Records are hash-chained, so a filter value is mapped to the stored spelling rather than the records to another.
// `Record`s over the closed unions, so a new engine decision or job state does not compile until it is listed.
const VERDICTS: Readonly<Record<DecisionValue | 'Deny', true>> = { Allow: true, ExplicitDeny: true, ImplicitDeny: true, Deny: true };
const JOB_STATES: Readonly<Record<JobState, true>> = { Queued: true, Running: true, Succeeded: true, Failed: true, Stopped: true };

/**
 * A change, job record or session scope whose COMMIT answer was lost (the database connection dropped as it
 * committed: it may or may not have been made) is recorded with this decision, not an error code (review aa11); the
 * edge answered it `OutcomeUnknown`, which the filter takes too. It was refused (`no record carries the decision`), so
 * the records an auditor most needs to look at could not be listed (review an, 3).
 */
const OUTCOME_UNKNOWN = 'OUTCOME_UNKNOWN';

export const DECISION_HELP =
  `${Object.keys(VERDICTS).join(', ')} (decisions, sessions, job submissions and admissions); ${Object.keys(JOB_STATES).join(', ')} (job state changes); ` +
  '`ok` or an error code for changes: Gatehouse\'s (`ACCESS_DENIED`) or the AWS code clients see; docs/errors.md lists them; `AccessDenied` for every refusal (changes, sessions, jobs, admissions, denied decisions); ' +
  `${OUTCOME_UNKNOWN} (or OutcomeUnknown) for a change whose commit was cut off: it may or may not have been made`;

/** Lower-cased filter value → the stored value, or the stored values an ambiguous AWS code stands for. */
const DECISIONS: ReadonlyMap<string, string | readonly ErrorCode[]> = (() => {
  const out = new Map<string, string | readonly ErrorCode[]>();
  for (const v of [...Object.keys(VERDICTS), ...Object.keys(JOB_STATES), 'ok', 'error', OUTCOME_UNKNOWN, ...ERROR_CODES]) out.set(v.toLowerCase(), v);
  out.set('outcomeunknown', OUTCOME_UNKNOWN);
  // The AWS code a client was answered with (the aws CLI shows `AccessDenied`); several codes answer some of them.
  const byAws = new Map<string, ErrorCode[]>();
  for (const code of ERROR_CODES) {
    const aws = HTTP_ERRORS[code].aws.toLowerCase();
    byAws.set(aws, [...(byAws.get(aws) ?? []), code]);
  }
  for (const [aws, codes] of byAws) if (!out.has(aws)) out.set(aws, codes.length === 1 ? (codes[0] as ErrorCode) : codes);
  return out;
})();

/**
 * `AccessDenied` is what an AWS client is answered for every refusal: a change (stored `ACCESS_DENIED`), a session, job
 * submission or admission (`Deny`), a request the S3 gateway denied (`ImplicitDeny`, `ExplicitDeny`). It found the
 * refused changes only, so `--decision AccessDenied` left out the AssumeRole refusals the aws CLI had shown as such
 * (review ci, 2). The stored values still find their own records only.
 */
const ACCESS_DENIED_AWS = 'accessdenied';
const REFUSALS: readonly string[] = ['ACCESS_DENIED', 'Deny', 'ExplicitDeny', 'ImplicitDeny'];

/**
 * The stored spelling of a `decision` filter value, or the stored values it stands for; refused when no record can carry
 * it. An AWS code several Gatehouse codes answer with (`NoSuchEntity`: NO_SUCH_ENTITY, RBAC_ROLE_NOT_FOUND;
 * `MalformedPolicyDocument`: every POLICY_* one) stands for all of them, as `AccessDenied` stands for every refusal: it
 * was refused ("name one of them"), where README §7 promises the code "as the aws CLI showed it" (review iv, 7).
 */
export function decisionOf(value: string): Result<string | readonly string[]> {
  if (value.toLowerCase() === ACCESS_DENIED_AWS) return ok(REFUSALS);
  const v = DECISIONS.get(value.toLowerCase());
  if (v !== undefined) return ok(v);
  return failWith('VALIDATION_ERROR', `no record carries the decision \`${shortName(value)}\`: use ${DECISION_HELP}`, 'decision');
}

/** The stored values that are error codes (not a verdict, a job state, `ok`, `error` or OUTCOME_UNKNOWN). */
const CODES: ReadonlySet<string> = new Set(ERROR_CODES);

/**
 * The error codes a `decision` filter stands for, and the AWS codes clients saw for them, by which the `Deny` records
 * refused with one are found too (review ro, 3): a refused session or federation keeps its Gatehouse code as
 * `detail.code`, a refused authentication its AWS code as `detail.authentication` (src/app/auth-failures.ts).
 * `--decision SignatureDoesNotMatch` or `InvalidIdentityToken` found none of them, only refused changes, which store
 * the code as their decision. Not `ACCESS_DENIED`: `AccessDenied` already finds every refusal, and the stored
 * `ACCESS_DENIED` keeps finding the refused changes alone.
 */
function refusedWith(decision: string | readonly string[]): { codes: string[]; aws: string[] } {
  const codes = (typeof decision === 'string' ? [decision] : decision).filter((c): c is ErrorCode => CODES.has(c) && c !== 'ACCESS_DENIED');
  return { codes, aws: [...new Set(codes.map((c) => HTTP_ERRORS[c].aws))] };
}

/** An access key id the filter takes: 16 to 128 characters, `[A-Za-z0-9_]` after an Alibaba session key's `STS.`, if any. */
const ACCESS_KEY_ID = /^(?=.{16,128}$)(?:STS\.)?\w+$/;

/** A request id as the edges draw them: a UUID (API), 16 hex digits (S3 gateway); matched as given. */
const REQUEST_ID = /^[A-Za-z0-9-]{1,64}$/;

/** A date, a time of day, then a space and an offset's digits: an offset whose `+` the query string's decoding made a space. */
const PLUS_READ_AS_SPACE = /^(\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?) (\d{2}(?::?\d{2})?)$/;

/** The filters of a query string; unknown parameters are refused, so a typo does not silently widen a query. */
export function filterOf(query: URLSearchParams, now: number): Result<{ filter: AuditFilter; after: string; limit: number }> {
  const known = new Set(['account', 'principal', 'role', 'job', 'action', 'accessKeyId', 'requestId', 'decision', 'kind', 'since', 'until', 'after', 'limit']);
  for (const k of query.keys()) if (!known.has(k)) return failWith('VALIDATION_ERROR', `unknown parameter \`${shortName(k)}\`; filters are ${[...known].join(', ')}`, k);
  // Its first value alone was read: `principal=alice&principal=bob` answered alice's records as if bob had none (review
  // gc, 5). One value a filter, as `/v1/jobs` takes them.
  for (const k of known) if (query.getAll(k).length > 1) return failWith('VALIDATION_ERROR', `\`${k}\` is given more than once: a filter takes one value (ask once per value)`, k);
  const filter: { -readonly [K in keyof AuditFilter]: AuditFilter[K] } = {};
  for (const k of ['principal', 'role', 'job', 'action'] as const) {
    const v = query.get(k);
    if (v !== null && v !== '') filter[k] = v;
  }
  // Records name a role by its ARN: a name matches none of them, and was answered with no records, as if the role had
  // done nothing (review ic, 5); the CLI's `--role` refuses it so (review readme, bn2).
  if (filter.role !== undefined && !/^(?:arn|acs):/i.test(filter.role)) {
    const name = /^[\w+=,.@-]{1,64}$/.test(filter.role) ? `; for the role named \`${filter.role}\`: role=arn:aws:iam::<account>:role/${filter.role} (its path too, if it has one)` : '';
    return failWith('VALIDATION_ERROR', `\`role\` takes a role's ARN, as records name it, got \`${filter.role.slice(0, 64)}\`${name}`, 'role');
  }
  // The key that signed the request (review mi, 4): an access key id as IAM and Alibaba make them, 16 to 128 of [A-Za-z0-9_],
  // or an Alibaba session's `STS.` and more (TEMPORARY_KEY_PREFIX.acs): refused, what such a session did could not be asked (review nm, 2).
  const accessKeyId = query.get('accessKeyId');
  if (accessKeyId !== null && accessKeyId !== '') {
    if (!ACCESS_KEY_ID.test(accessKeyId)) return failWith('VALIDATION_ERROR', `\`accessKeyId\` must be an access key id (16 to 128 letters, digits or \`_\`, or \`STS.\` and more of them: AKIA…, ASIA…, LTAI…, STS.…), got \`${shortName(accessKeyId)}\``, 'accessKeyId');
    filter.accessKeyId = accessKeyId;
  }
  // The id a client was answered with (`x-amzn-RequestId`, `<RequestId>`, Alibaba's `RequestId`, S3's `x-amz-request-id`).
  const requestId = query.get('requestId');
  if (requestId !== null && requestId !== '') {
    if (!REQUEST_ID.test(requestId)) return failWith('VALIDATION_ERROR', `\`requestId\` must be a request id as an answer gives it (\`x-amzn-RequestId\`, \`<RequestId>\`: letters, digits and \`-\`, at most 64), got \`${shortName(requestId)}\``, 'requestId');
    filter.requestId = requestId;
  }
  const account = query.get('account');
  if (account !== null && account !== '') {
    if (!/^[0-9]{12}$/.test(account)) return failWith('VALIDATION_ERROR', `\`account\` must be an account id (12 digits), got \`${account.slice(0, 32)}\``, 'account');
    filter.account = account;
  }
  const decision = query.get('decision');
  if (decision !== null && decision !== '') {
    const d = decisionOf(decision);
    if (!d.ok) return d;
    filter.decision = d.value;
    const refused = refusedWith(d.value);
    if (refused.codes.length > 0) {
      filter.refusedCodes = refused.codes;
      filter.refusedAws = refused.aws;
    }
  }
  // In any case, as `decision` and `action` are read (review im, 2): `kind=Change` was refused for its case alone.
  const kind = query.get('kind');
  if (kind !== null && kind !== '') {
    const k = AUDIT_KINDS.find((x) => x === kind.toLowerCase());
    if (k === undefined) return failWith('VALIDATION_ERROR', `\`kind\` must be one of ${AUDIT_KINDS.join(', ')}, got \`${kind.slice(0, 32)}\``, 'kind');
    filter.kind = k;
  }
  for (const k of ['since', 'until'] as const) {
    const given = query.get(k);
    if (given === null || given === '') continue;
    // `+` in a query string is read as a space, so `since=2024-05-01T12:00:00+02:00` typed into curl or a browser arrived
    // with a space where the offset's sign was and was refused (review jz, 2). After a time of day, a space before an
    // offset's digits can only be that `+`; a space between the date and the time is left to be read as `T`.
    const v = given.replace(PLUS_READ_AS_SPACE, '$1+$2');
    const t = auditTimeOf(v, now, k);
    if (!t.ok) return t;
    filter[k] = t.value;
  }
  // `since` is inclusive and `until` exclusive: equal or swapped bounds select nothing, which is never what was meant.
  if (filter.since !== undefined && filter.until !== undefined && filter.since >= filter.until) {
    return failWith('VALIDATION_ERROR', `\`since\` (${filter.since}) must be before \`until\` (${filter.until}): the range is empty (durations count back from now: since 2h until 1h is the hour before the last)`, 'since');
  }
  // The cursor as sent: `app.audit.query` takes only a whole number's digits (`Number` here turned `1e3` into 1000 and
  // `0x10` into 16, and the query's own check never saw them).
  const given = query.get('after');
  const after = given === null || given === '' ? '0' : given;
  // Digits only, as the cursor: `Number` read `0x10` as 16, `1e2` as 100 and ` 5` as 5 (review ay).
  const limitText = query.get('limit');
  if (limitText !== null && limitText !== '' && !/^[0-9]{1,7}$/.test(limitText)) return failWith('VALIDATION_ERROR', `\`limit\` must be a whole number from 1 to 1000, got \`${limitText.slice(0, 32)}\``, 'limit');
  const limit = limitText === null || limitText === '' ? 100 : Number(limitText);
  return ok({ filter, after, limit });
}

export function auditRoutes(): Route[] {
  return [
    {
      method: 'GET',
      pattern: ['audit'],
      handler: async ({ app, caller, query }) => {
        const f = filterOf(query, app.deps.now());
        if (!f.ok) return f;
        // A user or role named in another case than the directory's: read as records spell it (review pa, 5); a job by
        // its ARN or its id in another case, too (review qo, 2).
        const { principal, role, job } = f.value.filter;
        const filter = {
          ...f.value.filter,
          ...(principal !== undefined ? { principal: recordedPrincipalArn(app.live.principals, recordedPrincipal(principal)) } : {}),
          ...(role !== undefined ? { role: recordedRoleArn(app.live.principals, role) } : {}),
          ...(job !== undefined ? { job: recordedJobId(job) } : {}),
        };
        // What was queued before the question is in the answer, as verify's report is: a change whose answer came back
        // was missing from a query made at once (review sa, 2). Only what was queued at the call (review gm, 10). Only
        // for a caller that may read the log: the queue was written for every caller refused, so any principal with a
        // key, without gatehouse:ReadAudit, forced a write transaction a request (review sy, 1).
        const may = authorizeAdmin(caller, app.deps.now(), READ_AUDIT, auditArn(caller));
        if (!may.ok) return may;
        await app.audit.flush();
        const page = await app.audit.query(caller, filter, f.value.after, f.value.limit);
        if (!page.ok) return page;
        // The bounds as read, a duration (`since=1h`) as the time it stood for: a reader passes them on with `next`, so
        // that the pages after the first keep its window instead of counting back from later and later (review el, 4).
        const { since, until } = f.value.filter;
        return ok({ body: { ...page.value, ...(since !== undefined ? { since } : {}), ...(until !== undefined ? { until } : {}) } });
      },
    },
    {
      method: 'GET',
      pattern: ['audit', 'verify'],
      handler: async ({ app, caller, query }) => {
        for (const k of query.keys()) if (k !== 'expect') return failWith('VALIDATION_ERROR', `unknown parameter \`${shortName(k)}\`; verify takes expect (an anchor, SEQ:HASH)`, k);
        // Its first alone was checked (review ho, 8): `expect=A&expect=B` reported the chain intact against A, B never looked
        // at, as a filter given twice was read once (review gc, 5). One anchor a request.
        if (query.getAll('expect').length > 1) return failWith('VALIDATION_ERROR', '`expect` is given more than once: verify checks one anchor a request (ask once per anchor)', 'expect');
        const given = query.get('expect');
        const expect = given === null ? undefined : parseAnchor(given);
        if (expect !== undefined && !expect.ok) return expect;
        // Records of the last 100 ms are in the queue: write them first, so the report covers what was done; once the
        // caller is known to be one that may verify (the root account's, gatehouse:ReadAudit), not for any caller
        // refused (review sy, 1).
        const may = mayVerifyAudit(caller, app.deps.now());
        if (!may.ok) return may;
        await app.audit.flush();
        const r = await app.audit.verify(caller, expect?.value);
        return r.ok ? ok({ body: r.value }) : r;
      },
    },
    {
      method: 'GET',
      pattern: ['audit', 'status'],
      handler: async ({ app, caller }) => {
        const a = authorizeAdmin(caller, app.deps.now(), READ_AUDIT, auditArn(caller));
        if (!a.ok) return a;
        const status = app.audit.status();
        if (caller.account === ROOT_ACCOUNT) return ok({ body: status });
        // Another account's administrators read the deployment's status (whether issuance can go on is theirs to know),
        // not the operator's details: the store's last error (it may name the database's address, user or table, as
        // the gate's refusal keeps it to the operator's log) and where the data dir's journal is (review V, V7).
        return ok({ body: { ...status, lastError: status.lastError === undefined ? undefined : 'the audit log cannot be written at the moment (the reason is in the server\'s log)', journal: status.journal === null ? null : 'on' } });
      },
    },
  ];
}

/**
 * Changes that routes make without a use case of the app that records them (workspaces, clusters, resource
 * policies, access entries, webhook credentials), keyed by `METHOD pattern`: the action and resource their
 * record names, and `stored`, the store key of what the change replaces or removes and writes (its record's
 * `before` and `after`). Everything else records itself in the app (directory, apply, STS, jobs, revocation).
 * The webhook credential has none: it is a secret, and its record says only whether it was rotated.
 * Each action is the one the route's authorization check asks for, the name `gatehouse apply` records the same change
 * under: access entries were recorded as `eks:…AccessEntry` and the token's read and rotation both as
 * `gatehouse:WebhookConfig`, so `audit query --action training:CreateAccessEntry` missed what the REST door made
 * (review pk, 2; a query by the new name lists records under the old one too, `actionFilterNames`).
 * Each resource is the one that check asks for, the one `gatehouse apply` records (review px, 1): an access entry's
 * change is on its cluster's ARN, where it was on `<cluster ARN>/access-entry/<principal ARN as typed>`, a resource no
 * check or policy names; the entry's principal is in the record's `request`, `before` and `after`, and a delete's in
 * `detail.principalArn` (`about`), so a refused delete of nothing still says which principal it named.
 * A cluster named in another case than its own (`/v1/clusters/K1/…` for `k1`) is the stored cluster: its routes tell
 * the record its ARN by the stored name, and a delete the entry's principal as stored (review sr, 2), as workspaces'
 * records name theirs (review sm, 1); they named the URL's spelling, one cluster then having two trails.
 */
const EDGE_CHANGES: Readonly<Record<string, { readonly action: string | ((ctx: Ctx) => string); readonly resource: (ctx: Ctx) => string; readonly stored?: (ctx: Ctx) => string | undefined; readonly watched?: (ctx: Ctx) => string; readonly about?: (ctx: Ctx) => Record<string, unknown> }>> = {
  // A PUT asks Create of a new one and Update of one that exists, decided in its transaction (review sb, 1): the record
  // names the one decided (`actionDecided`); one refused before the route ran (the gate) names Create. The record
  // names the stored item's ARN once the route found it (review sm, 1), as apply records it.
  'PUT workspaces/:name': { action: 'training:CreateWorkspace', resource: (c) => workspaceArn(c.caller.partition, c.caller.account, c.params['name'] ?? ''), stored: (c) => workspaceKey(c.caller.account, c.params['name'] ?? '') },
  'DELETE workspaces/:name': { action: 'training:DeleteWorkspace', resource: (c) => workspaceArn(c.caller.partition, c.caller.account, c.params['name'] ?? ''), stored: (c) => workspaceKey(c.caller.account, c.params['name'] ?? '') },
  'PUT clusters/:name': { action: 'training:CreateCluster', resource: (c) => clusterArn(c.caller.partition, c.caller.account, c.params['name'] ?? ''), stored: (c) => clusterKey(c.caller.account, c.params['name'] ?? '') },
  'PUT resource-policies/:resource': { action: 'gatehouse:PutResourcePolicy', resource: (c) => c.params['resource'] ?? '', stored: (c) => resourcePolicyKey(c.params['resource'] ?? '') },
  'DELETE resource-policies/:resource': { action: 'gatehouse:DeleteResourcePolicy', resource: (c) => c.params['resource'] ?? '', stored: (c) => resourcePolicyKey(c.params['resource'] ?? '') },
  'POST clusters/:name/access-entries': {
    action: 'training:CreateAccessEntry',
    resource: (c) => clusterArn(c.caller.partition, c.caller.account, c.params['name'] ?? ''),
    stored: (c) => (typeof c.body['principalArn'] === 'string' ? accessEntryKey(c.caller.account, c.params['name'] ?? '', c.body['principalArn']) : undefined),
  },
  'DELETE clusters/:name/access-entries/:arn': {
    action: 'training:DeleteAccessEntry',
    resource: (c) => clusterArn(c.caller.partition, c.caller.account, c.params['name'] ?? ''),
    about: (c) => ({ principalArn: c.params['arn'] ?? '' }),
    stored: (c) => accessEntryKey(c.caller.account, c.params['name'] ?? '', c.params['arn'] ?? ''),
  },
  // `watched`: the key whose change is recorded as it commits (review ji, 5), its value (a sealed secret) shown nowhere.
  'POST clusters/:name/webhook-config': { action: (c) => (c.body['rotate'] === true ? 'training:RotateClusterWebhookToken' : 'training:GetClusterWebhookConfig'), resource: (c) => clusterArn(c.caller.partition, c.caller.account, c.params['name'] ?? ''), watched: (c) => clusterWebhookKey(c.caller.account, c.params['name'] ?? '') },
};

/** What is stored under `key` (parsed; `null`: nothing), read on its own: the state a change found or left. */
async function storedAt(app: App, key: string | undefined): Promise<unknown> {
  if (key === undefined) return null;
  return parsedStored(await app.deps.store.read((tx) => tx.kv.get(key)));
}

/** A stored value as a record's `before` or `after` shows it (parsed; `null`: nothing). */
function parsedStored(text: string | undefined): unknown {
  return text === undefined ? null : documentValue(text);
}

/**
 * Wraps the routes listed in `EDGE_CHANGES`: refused while the audit log cannot be written (fail-closed policy),
 * and recorded — done or refused, by a policy, by that gate (`SERVICE_UNAVAILABLE`, queued and journaled like any
 * record, as the directory's refused changes are) or for any other reason (the error code as decision) — with the
 * caller, the action, the resource and the request; a
 * change made, with `before` and `after` as the directory's changes have them (review V, V2: a deleted access entry
 * was recorded as `{request: {}}`, which groups it had granted said nowhere). They are read just before and just
 * after the change, not in its transaction: a change made meanwhile by another call would show in them.
 */
export function recordEdgeChanges<R extends Route>(routes: readonly R[]): R[] {
  return routes.map((route) => {
    const change = EDGE_CHANGES[`${route.method} ${route.pattern.join('/')}`];
    if (!change) return route;
    const handler: Route['handler'] = async (given) => {
      let action = typeof change.action === 'string' ? change.action : change.action(given);
      let decidedOn: string | undefined;
      let decidedAbout: Record<string, unknown> | undefined;
      const ctx: Ctx = {
        ...given,
        actionDecided: (decided, resource, about) => {
          action = decided;
          decidedOn = resource;
          if (about !== undefined) decidedAbout = about;
        },
      };
      const aboutOf = (): Record<string, unknown> | undefined => decidedAbout ?? change.about?.(ctx);
      // The stored item's ARN once the route has found it (a workspace named in another case: review sm, 1), else the URL's.
      const resourceOf = (): string => decidedOn ?? change.resource(ctx);
      const closed = ctx.app.audit.gate('the change is not made');
      const key = closed === undefined ? change.stored?.(ctx) : undefined;
      const before = key !== undefined ? await storedAt(ctx.app, key) : undefined;
      let r: Awaited<ReturnType<Route['handler']>>;
      // A change that altered what is stored under its key is recorded as its transaction commits, with what the key
      // held before and after in that transaction, before the reload that follows (review ji, 1): a process killed
      // during that reload (a database that stopped answering, then SIGKILL) keeps the record in the journal.
      let recorded = false;
      const atCommit = (was: string | undefined, is: string | undefined): void => {
        recorded = true;
        ctx.app.audit.record({
          kind: 'change',
          account: ctx.caller.account,
          ...actorOf(ctx.caller),
          action,
          resource: resourceOf(),
          decision: 'ok',
          detail: { request: ctx.body, ...aboutOf(), ...(key !== undefined ? { before: parsedStored(was), after: parsedStored(is) } : {}) },
        });
      };
      const watched = closed === undefined ? (key ?? change.watched?.(ctx)) : undefined;
      try {
        r = closed ?? (watched === undefined ? await route.handler(ctx) : await ctx.app.watchWrites(watched, atCommit, () => route.handler(ctx)));
      } catch (e) {
        // The database connection was lost as the change committed: it may have been made, and a change made must be in
        // the log (as the directory records its own, review aa11). Recorded as of unknown outcome, then answered 500.
        if (isStoreOutcomeUnknown(e) && !recorded) {
          ctx.app.audit.record({
            kind: 'change',
            account: ctx.caller.account,
            ...actorOf(ctx.caller),
            action,
            resource: resourceOf(),
            decision: 'OUTCOME_UNKNOWN',
            detail: { request: ctx.body, ...aboutOf(), ...(key !== undefined ? { before } : {}), error: e.message },
          });
        }
        throw e;
      }
      if (recorded) return r;
      const error = r.ok ? undefined : r.errors[0];
      // Every refusal too, not only a policy's and the gate's (review iw, 2): a second access entry for a principal that
      // has one (409), a member or principal that does not exist, a malformed document, a delete of nothing were
      // attempts no record showed, where the directory records the same refusals of its own changes.
      // A change made has committed: a failed read of what it left must neither lose its record nor answer 503 (which
      // clients retry) for a change made (review aa2). The record says the state after was not read.
      let after: unknown;
      let afterUnread: string | undefined;
      if (r.ok && key !== undefined) {
        try {
          after = await storedAt(ctx.app, key);
        } catch (e) {
          after = null;
          afterUnread = isStoreUnavailable(e) ? 'the store could not be reached just after the change' : 'the read just after the change failed';
        }
      }
      ctx.app.audit.record({
        kind: 'change',
        account: ctx.caller.account,
        ...actorOf(ctx.caller),
        action,
        resource: resourceOf(),
        decision: error ? error.code : 'ok',
        detail: { request: r.ok ? ctx.body : refusedRequest(ctx.body), ...aboutOf(), ...(r.ok && key !== undefined ? { before, after, ...(afterUnread !== undefined ? { afterUnread } : {}) } : {}), ...(error ? { error: error.message } : {}) },
      });
      return r;
    };
    return { ...route, handler };
  });
}
