/**
 * The audit record: who did what, with which role, from which job, and what was decided. Records are appended to
 * one hash chain: each carries the hash of the one before it (`prevHash`) and its own `hash`, SHA-256 over the
 * canonical JSON of every other field (chain.ts), so an edited, inserted or deleted record breaks the chain at
 * that point.
 */

export const AUDIT_KINDS = ['change', 'session', 'decision', 'job'] as const;
export type AuditKind = (typeof AUDIT_KINDS)[number];

/** What a use case records. Secrets never belong here; `redact` (redact.ts) strips any that slip into `detail`. */
export interface AuditEvent {
  readonly kind: AuditKind;
  /** The account the event concerns (readers of other accounts do not see it); '' when none. */
  readonly account: string;
  /** ARN of the acting principal (the caller of a change, the subject of a decision). */
  readonly principal: string;
  /** `iam:CreateRole`, `sts:AssumeRole`, `s3:GetObject`, `training:JobState`… */
  readonly action: string;
  readonly resource: string;
  /** `Allow`, `ExplicitDeny`, `ImplicitDeny` for decisions; the outcome (`ok` or an error code) of changes. */
  readonly decision?: string;
  /** ARN of the role involved (assumed, passed to a job). */
  readonly role?: string;
  /**
   * ARN of the role whose session acted, when `role` names another (a session of `ops` changing the role `other`): the
   * record is about `other` and was done by `ops`, and `audit query --role` finds it by either (review ic, 2). Absent
   * when the acting role is `role`, or the caller acts in no role's session.
   */
  readonly actingRole?: string;
  /** ARN of the session issued or acting. */
  readonly session?: string;
  readonly job?: string;
  readonly sourceIdentity?: string;
  readonly sourceIp?: string;
  /**
   * The access key that signed the request of the caller who acted (long-term `AKIA…`, or a session's temporary key), as
   * CloudTrail's `userIdentity.accessKeyId`: a user's leaked key is told from its other key (review mi, 2).
   */
  readonly accessKeyId?: string;
  /**
   * The id the edge answered the request with (`x-amzn-RequestId`, the Query APIs' `<RequestId>`, Alibaba's `RequestId`,
   * the S3 gateway's `x-amz-request-id`), as CloudTrail's `requestID`: what a client shows with its error, and what joins
   * it to the record (review sd, 1). Hashed into the chain like the other fields (absent, as in every record written
   * before it, the record's text is what it was: old records verify as they did).
   */
  readonly requestId?: string;
  /** Before/after of a change, the explanation of a denial, the terms of a session. */
  readonly detail?: Readonly<Record<string, unknown>>;
}

/**
 * A record as stored: the event as written (`detail` redacted, `{}` when it had none), with its place in the
 * chain. `at` is ISO-8601 UTC with milliseconds; `seq` counts from 1 without gaps.
 */
export interface AuditRecord extends Omit<AuditEvent, 'detail'> {
  readonly seq: number;
  readonly at: string;
  readonly detail: Readonly<Record<string, unknown>>;
  readonly prevHash: string;
  readonly hash: string;
}

/** The end of the chain, and where it starts after pruning (`baseSeq` 0 and the genesis hash before any). */
export interface AuditHead {
  readonly seq: number;
  readonly hash: string;
  /** The last pruned record: the first record kept must link to `baseHash`. */
  readonly baseSeq: number;
  readonly baseHash: string;
}

/** `prevHash` of the first record ever written. */
export const GENESIS_HASH = '0'.repeat(64);

export const EMPTY_HEAD: AuditHead = { seq: 0, hash: GENESIS_HASH, baseSeq: 0, baseHash: GENESIS_HASH };

/** Filters of `list` (all optional, combined with AND); `since`/`until` compare `at` (ISO text, inclusive/exclusive). */
export interface AuditFilter {
  readonly account?: string;
  readonly kind?: AuditKind;
  readonly principal?: string;
  /** A record's `role` or its `actingRole`. */
  readonly role?: string;
  readonly job?: string;
  readonly action?: string;
  /** The access key that signed the request (`accessKeyId`), as CloudTrail's LookupEvents takes it (review mi, 4). */
  readonly accessKeyId?: string;
  /** The request id a client was answered with (`requestId`). */
  readonly requestId?: string;
  /** One stored value, or any of several (`AccessDenied`: every refusal a client sees as AccessDenied). */
  readonly decision?: string | readonly string[];
  /**
   * With `decision`: the error codes it stands for, by which `Deny` records refused with one are listed too (review ro,
   * 3): a refused session or federation keeps its code (`INVALID_IDENTITY_TOKEN`) as `detail.code`, a refused
   * authentication its AWS code (`refusedAws`, `SignatureDoesNotMatch`) as `detail.authentication`, or among
   * `detail.codes` in a flood summary of several (`authentication` `Multiple`); none of them as its decision.
   */
  readonly refusedCodes?: readonly string[];
  readonly refusedAws?: readonly string[];
  readonly since?: string;
  readonly until?: string;
}

export const AUDIT_FILTER_KEYS = ['kind', 'principal', 'role', 'job', 'action', 'accessKeyId', 'requestId', 'decision', 'since', 'until'] as const;

/**
 * Actions recorded before under another name, by the name they are recorded under now (lower-cased): an audit query
 * by the new name lists the old records too. The HTTP edge recorded an access entry made or deleted through
 * `/v1/clusters/C/access-entries` as `eks:CreateAccessEntry`/`eks:DeleteAccessEntry`, where `gatehouse apply` and the
 * authorization check name `training:…AccessEntry`, and the webhook token read and its rotation both as
 * `gatehouse:WebhookConfig` (review pk, 2). The old webhook name stood for both operations: listed under either new
 * name (a record too many, never one missed; its `detail.request.rotate` tells them apart).
 */
const FORMER_ACTION_NAMES: Readonly<Record<string, readonly string[]>> = {
  'training:createaccessentry': ['eks:CreateAccessEntry'],
  'training:deleteaccessentry': ['eks:DeleteAccessEntry'],
  'training:getclusterwebhookconfig': ['gatehouse:WebhookConfig'],
  'training:rotateclusterwebhooktoken': ['gatehouse:WebhookConfig'],
  // An `acs` account's OpenID Connect provider changes were recorded under `iam:` (review qr, 3): listed by their `ram:`
  // name too (and an `aws` account's, for an audit query across accounts: a record too many, never one missed).
  ...Object.fromEntries(
    ['CreateOpenIDConnectProvider', 'DeleteOpenIDConnectProvider', 'AddClientIDToOpenIDConnectProvider', 'RemoveClientIDFromOpenIDConnectProvider', 'UpdateOpenIDConnectProviderThumbprint', 'TagOpenIDConnectProvider', 'UntagOpenIDConnectProvider'].map((a) => [
      `ram:${a.toLowerCase()}`,
      [`iam:${a}`],
    ]),
  ),
};

/**
 * Whether an action filter is a pattern: `*` (any run of characters) and `?` (one character) are IAM's wildcards in an
 * action (policy-semantics), and `--action 's3:*'` matched no record, as if nothing had been done on S3 (review ro, 1).
 */
export const isActionPattern = (action: string): boolean => /[*?]/.test(action);

/**
 * `pattern` (IAM's `*` and `?`, any case) as a test of an action: `?` one character (code point, as SQL's `_`), `*` any
 * run. A loop that goes back to the last `*` only, so at most pattern × action steps: the regular expression it replaced
 * (one `.*` per `*`) made V8 try every way of splitting the action among the `*`s, and a filter of a dozen `*` and a
 * letter no former name ends with held the server's one thread for minutes (review vo, 2).
 */
function actionMatcher(pattern: string): (action: string) => boolean {
  const p = [...pattern.toLowerCase()];
  return (action) => {
    const t = [...action.toLowerCase()];
    let i = 0;
    let j = 0;
    let star = -1;
    let from = 0;
    while (j < t.length) {
      if (i < p.length && p[i] === '*') {
        star = i++;
        from = j;
      } else if (i < p.length && (p[i] === '?' || p[i] === t[j])) {
        i++;
        j++;
      } else if (star !== -1) {
        i = star + 1;
        j = ++from;
      } else return false;
    }
    while (i < p.length && p[i] === '*') i++;
    return i === p.length;
  };
}

/**
 * An action pattern as an SQL `LIKE` pattern over `lower(action)`, with `!` as its escape: `%`, `_` and `!` stay plain
 * characters, `*` and `?` become `%` and `_`.
 */
export function actionLikePattern(pattern: string): string {
  return [...pattern.toLowerCase()].map((c) => (c === '*' ? '%' : c === '?' ? '_' : c === '%' || c === '_' || c === '!' ? `!${c}` : c)).join('');
}

/**
 * The names an action filter matches a record's action by (any case): the action, then what it was recorded as before.
 * A pattern (`isActionPattern`) stands for every name it matches: the records of a former name whose name now matches
 * it are listed too, as an exact name lists them.
 */
export function actionFilterNames(action: string): readonly string[] {
  if (!isActionPattern(action)) return [action, ...(FORMER_ACTION_NAMES[action.toLowerCase()] ?? [])];
  const matches = actionMatcher(action);
  const former = Object.entries(FORMER_ACTION_NAMES).flatMap(([now, before]) => (matches(now) ? before : []));
  return [action, ...new Set(former.filter((f) => !matches(f)))];
}
