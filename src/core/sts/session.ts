/**
 * Temporary-credential sessions: what a session token carries, the STS parameter rules
 * (reference §A.1.9, the botocore STS model), session ARNs, and the engine principal of a session.
 * Pure: times, ids and secrets are passed in.
 */
import type { Principal } from '../iam/index.ts';

export type Partition = 'aws' | 'acs';

/** The claims sealed inside a session token. Short keys: the token travels with every request. */
export interface SessionClaims {
  readonly v: 1;
  /** Session id (revocation of one session). */
  readonly sid: string;
  /** Access key id (`ASIA…` / `STS.…`); the token is bound to it. */
  readonly ak: string;
  /** Secret access key of the session. */
  readonly sk: string;
  readonly acct: string;
  readonly part: Partition;
  /** Role sessions: role name, path and id. Absent for `GetSessionToken` sessions of a user. */
  readonly role?: { readonly name: string; readonly path: string; readonly id: string };
  /** `GetSessionToken` sessions: the user's name and id. */
  readonly user?: { readonly name: string; readonly path: string; readonly id: string };
  /**
   * `GetFederationToken` sessions: the IAM user who asked, whose policies the session's policies narrow; `name` is the
   * federated user's name. Kept apart from `user` so that nothing taking a session for its user's (a GetSessionToken
   * session's rights, access entries, job ownership) takes a federated user for the IAM user.
   */
  readonly fu?: { readonly name: string; readonly path: string; readonly id: string };
  readonly name: string;
  /** Epoch ms. */
  readonly iat: number;
  readonly exp: number;
  readonly srcId?: string;
  /** Session tags (already merged with transitive tags from a parent session). */
  readonly tags?: Readonly<Record<string, string>>;
  readonly transitive?: readonly string[];
  /** Inline session policy text and managed session policy ARNs. */
  readonly pol?: string;
  readonly polArns?: readonly string[];
  /**
   * Assumed with temporary credentials (a role session's or a GetSessionToken session's): role chaining. A job's or
   * node's own session (issued by its service) assuming a role makes one too, though its duration is not capped as
   * chaining (review hd, 2); a session assumed from that one is.
   */
  readonly chained?: boolean;
  /** The training job the session belongs to. */
  readonly job?: string;
  /**
   * A default-role job's session: the user who submitted the job, by name and unique id. The job's table rights are
   * never more than the user's now: every decision applies the user's current Denies that may concern tables, and the
   * session stops working once the user is deleted (or another user has the name) or disabled (src/app/sts.ts).
   */
  readonly owner?: { readonly name: string; readonly id: string };
  /** Web identity: the provider and subject the session came from. */
  readonly fed?: { readonly provider: string; readonly sub: string };
  /**
   * A console sign-in's session (`POST /v1/console/sign-in`, ended by `/v1/console/sign-out`): the credentials it was
   * opened with, a user's long-term key (`ak`), whose caller it acts as for as long as that key is usable, or a
   * session (`sid`), whose claims it copies and whose revocation ends it too.
   */
  readonly con?: { readonly ak: string } | { readonly sid: string };
}

export const SESSION_NAME_RE = /^[\w+=,.@-]{2,64}$/;
export const EXTERNAL_ID_RE = /^[\w+=,.@:/-]{2,1224}$/;
export const SOURCE_IDENTITY_RE = /^[\w+=,.@-]{2,64}$/;
/** RAM's documented RoleSessionName rule (reference §A.2). */
export const RAM_SESSION_NAME_RE = /^[A-Za-z0-9.@_-]{2,64}$/;

/**
 * Session tag keys and values (STS API reference, `Tag`; botocore `tagKeyType`/`tagValueType`): Unicode letters,
 * separators and numbers, and `_.:/=+-@`. A key is never empty; a value may be.
 */
export const TAG_KEY_RE = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]+$/u;
export const TAG_VALUE_RE = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;
const TAG_KEY_PATTERN = '[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+';
const TAG_VALUE_PATTERN = '[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*';

/**
 * The prefix of the session tags Gatehouse itself sets to identify a job or node (`gatehouse:workspace`,
 * `gatehouse:job`, `gatehouse:cluster`): policies scope by them (`${aws:PrincipalTag/gatehouse:workspace}`), so no
 * caller may set them, in any case, as no caller may set `aws:` ones (review S, S7).
 */
export const GATEHOUSE_TAG_PREFIX = 'gatehouse:';

/** Whether a tag key is one only Gatehouse sets (`GATEHOUSE_TAG_PREFIX`, any case). */
export function reservedByGatehouse(key: string): boolean {
  return key.slice(0, GATEHOUSE_TAG_PREFIX.length).toLowerCase() === GATEHOUSE_TAG_PREFIX;
}

/**
 * A string's length as STS and IAM bound it, in Unicode characters (the STS API reference's `Tag` and
 * `TransitiveTagKeys`; IAM's "128 Unicode characters in UTF-8", src/core/directory/rules.ts): a character above U+FFFF
 * (`𠀀`, which `\p{L}` takes) is one, not its two UTF-16 units, which refused a tag key of 65 such letters (reviews nv, 1
 * and oe, 1).
 */
export const characters = (s: string): number => {
  let n = 0;
  for (const _ of s) n++;
  return n;
};

/**
 * A value quoted in a refusal: its first 80 characters and its length past them (src/core/directory/rules.ts
 * `shortName`, which imports this module); cut between characters, never inside a surrogate pair.
 */
const shortName = (v: string): string => {
  const n = characters(v);
  return n <= 80 ? v : `${Array.from(v).slice(0, 80).join('')}… (${n} characters)`;
};

/**
 * The first thing wrong with session tag `i` (0-based), in AWS's validation message shape (`tags.1.member.key`), or
 * undefined. The `aws:` prefix is reserved for AWS (IAM User Guide, "Tagging IAM resources"), in any case.
 */
export function sessionTagProblem(t: { readonly key: string; readonly value: string }, i: number): string | undefined {
  const at = (field: 'key' | 'value', v: string, constraint: string) =>
    `1 validation error detected: Value '${shortName(v)}' at 'tags.${i + 1}.member.${field}' failed to satisfy constraint: ${constraint}`;
  if (t.key.length < 1) return at('key', t.key, 'Member must have length greater than or equal to 1');
  if (characters(t.key) > LIMITS.tagKey) return at('key', t.key, `Member must have length less than or equal to ${LIMITS.tagKey}`);
  if (!TAG_KEY_RE.test(t.key)) return at('key', t.key, `Member must satisfy regular expression pattern: ${TAG_KEY_PATTERN}`);
  if (t.key.slice(0, 4).toLowerCase() === 'aws:') return at('key', t.key, "Member must not begin with 'aws:', a prefix reserved for AWS");
  if (reservedByGatehouse(t.key)) return at('key', t.key, `Member must not begin with '${GATEHOUSE_TAG_PREFIX}', a prefix reserved for the tags Gatehouse sets on job and node sessions`);
  if (characters(t.value) > LIMITS.tagValue) return at('value', t.value, `Member must have length less than or equal to ${LIMITS.tagValue}`);
  if (!TAG_VALUE_RE.test(t.value)) return at('value', t.value, `Member must satisfy regular expression pattern: ${TAG_VALUE_PATTERN}`);
  return undefined;
}

export const DURATION = { min: 900, max: 43200, default: 3600, chainedMax: 3600 } as const;
export const SESSION_TOKEN_DURATION = { min: 900, max: 129600, default: 43200 } as const;
/** The clock skew allowed between instances, as a retired session key's bounds count it (review uv, 1). */
export const RETIRED_KEY_SKEW_MS = 900_000;
/**
 * How long after its retirement a session key may still open tokens: the longest session (GetSessionToken's and
 * GetFederationToken's 36 h) and the 15 minutes of clock skew allowed, by which every session it sealed has expired. A
 * token it opens claiming to last longer, or to have been issued more than the skew after the retirement, was not
 * sealed by Gatehouse (review uv, 1), and once that time has passed it opens nothing, whether or not a later rotation
 * dropped it from the ring.
 */
export const RETIRED_KEY_OPENS_MS = SESSION_TOKEN_DURATION.max * 1000 + RETIRED_KEY_SKEW_MS;
/** GetFederationToken's `DurationSeconds` (STS API reference): 900 to 129,600 seconds, 43,200 by default. */
export const FEDERATION_TOKEN_DURATION = SESSION_TOKEN_DURATION;
export const LIMITS = { tags: 50, tagKey: 128, tagValue: 256, policyArns: 10, policyArnChars: { min: 20, max: 2048 }, policyChars: 2048, transitive: 50 } as const;
/** Our own, documented packed-size budget (AWS's algorithm is unpublished; reference §A.1.9). */
export const PACKED_LIMIT = 4096;

/**
 * The most a session's claims may take as sealed (JSON, UTF-8 bytes; key id, secret and session id excluded). The token
 * is about 4/3 of it and travels in a header of every request, and the server takes 16 KiB of headers at most: 10 KiB
 * leaves a token of about 13.8 KB beside what clients send with it (SigV4 headers, user agent: about 1.2 KB for SDK v3).
 * `PACKED_LIMIT` counts characters, and a character outside ASCII takes up to 4 bytes (review sts, E3): 30 transitive
 * tags of 128 CJK characters are 96% of the packed budget and 23 KB of claims. ASCII reaches it too, but only with a
 * policy padded with line breaks (the packed size counts the policy minified, the token holds it whole, each line break
 * written `\n`) beside about 30 transitive tags of 128-character keys: a token of 16,407 characters, refused with HTTP
 * 431 before this bound.
 */
export const MAX_CLAIMS_BYTES = 10 * 1024;

const utf8 = new TextEncoder();
/**
 * A session ARN of either partition: `arn:aws:sts::A:assumed-role/R/S`, and for `acs` accounts
 * `acs:ram::A:role/R/S` (the form our sessions carry) or `acs:ram::A:assumed-role/R/S` (Alibaba's own).
 */
export function parseSessionArn(arn: string): { partition: Partition; account: string; roleName: string; sessionName: string } | undefined {
  let m = /^arn:aws[a-z-]*:sts::(\d{12}):assumed-role\/([\w+=,.@-]{1,64})\/([\w+=,.@-]{2,64})$/.exec(arn);
  if (m) return { partition: 'aws', account: m[1] as string, roleName: m[2] as string, sessionName: m[3] as string };
  m = /^acs:ram::(\d{1,20}):(?:role|assumed-role)\/([\w+=,.@-]{1,64})\/([\w+=,.@-]{2,64})$/i.exec(arn);
  if (m) return { partition: 'acs', account: m[1] as string, roleName: m[2] as string, sessionName: m[3] as string };
  return undefined;
}

/** The size of claims as they are sealed: JSON, UTF-8 bytes. */
export function claimsBytes(claims: object): number {
  return utf8.encode(JSON.stringify(claims)).length;
}

/**
 * Why claims of `bytes` (over `MAX_CLAIMS_BYTES`) cannot be sealed, naming what in them takes the most and what to do:
 * the message said "use fewer or shorter tags … or a smaller policy" whatever filled the token, and a web identity
 * session asked with neither, whose token's `sub` ran to 12,000 characters, was told to shorten tags it did not pass
 * (review hj, 3). The parts are the session tags (with their transitive keys), the session policy, the managed session
 * policy ARNs, the web identity token's subject and the source identity, largest first.
 */
export function claimsTooLargeMessage(claims: Partial<Pick<SessionClaims, 'tags' | 'transitive' | 'pol' | 'polArns' | 'fed' | 'srcId'>>, bytes: number): string {
  const size = (v: unknown): number => (v === undefined ? 0 : typeof v === 'string' ? utf8.encode(v).length : claimsBytes([v]) - 2);
  const parts: [number, string, string][] = [
    [size(claims.tags) + size(claims.transitive), 'the session tags', 'pass fewer or shorter tags (characters outside ASCII take 2 to 4 bytes)'],
    [size(claims.pol), 'the session policy', 'pass a smaller session policy'],
    [size(claims.polArns), 'the managed session policy ARNs', 'pass fewer managed session policies'],
    [size(claims.fed?.sub), "the web identity token's subject (`sub`)", "present a token whose `sub` is shorter: it is the issuer's, and the session carries it whole"],
    [size(claims.srcId), 'the source identity', 'pass a shorter source identity'],
  ];
  const large = parts.filter(([n]) => n > 0).sort((a, b) => b[0] - a[0]);
  const named = large.map(([n, what]) => `${what} ${n} bytes`).join(', ');
  const first = large[0];
  return `Packed size of the session policies, session tags and identity is too large: the session token would carry ${bytes} bytes of them (UTF-8), over the ${MAX_CLAIMS_BYTES} it can${named ? ` (${named})` : ''}${first ? `: ${first[2]}` : ''}`;
}

export function sessionArn(partition: Partition, account: string, roleName: string, sessionName: string): string {
  return partition === 'acs' ? `acs:ram::${account}:role/${roleName}/${sessionName}` : `arn:aws:sts::${account}:assumed-role/${roleName}/${sessionName}`;
}

export function roleArnOf(partition: Partition, account: string, path: string, roleName: string): string {
  return partition === 'acs' ? `acs:ram::${account}:role/${roleName}` : `arn:aws:iam::${account}:role${path}${roleName}`;
}

/** A federated user's ARN (GetFederationToken): `arn:aws:sts::A:federated-user/NAME`. */
export function federatedUserArn(account: string, name: string): string {
  return `arn:aws:sts::${account}:federated-user/${name}`;
}

export function userArnOf(partition: Partition, account: string, path: string, name: string): string {
  return partition === 'acs' ? `acs:ram::${account}:user/${name}` : `arn:aws:iam::${account}:user${path}${name}`;
}

/** Parses a role ARN of either partition: `arn:aws:iam::A:role/path/Name` or `acs:ram::A:role/Name`. */
/**
 * AWS's length constraint on `RoleArn` (AssumeRole, AssumeRoleWithWebIdentity: 20 to 2,048 characters), in its
 * words; undefined when it holds. A role's path may be 512 characters and its name 64, so no role's ARN is longer:
 * refused before anything reads the value (it was recorded whole, and kept in the audit log's filter index).
 */
export function roleArnLengthProblem(arn: string): string | undefined {
  const n = characters(arn);
  if (n > 2048) return "1 validation error detected: Value at 'roleArn' failed to satisfy constraint: Member must have length less than or equal to 2048";
  if (n < 20) return "1 validation error detected: Value at 'roleArn' failed to satisfy constraint: Member must have length greater than or equal to 20";
  return undefined;
}

export function parseRoleArn(arn: string): { partition: Partition; account: string; name: string; path: string } | undefined {
  let m = /^arn:aws[a-z-]*:iam::(\d{12}):role(\/(?:[\u0021-\u007E]*\/)?)([\w+=,.@-]{1,64})$/.exec(arn);
  if (m) return { partition: 'aws', account: m[1] as string, path: m[2] as string, name: m[3] as string };
  m = /^acs:ram::(\d{1,20}):role\/([\w+=,.@-]{1,64})$/i.exec(arn);
  if (m) return { partition: 'acs', account: m[1] as string, path: '/', name: m[2] as string };
  return undefined;
}

/**
 * The stored role a reference names, or none: an `aws` role ARN names the role with its exact path, as AssumeRole finds
 * it (src/app/sts.ts); an `acs` role has no path; a bare name (`byName`, the account's role of that name) names it at
 * whatever path it has. Job submission, a node's instance role and a pod's role annotation all hold a role to this
 * (reviews hp, 1 and hq, 1): found by its name alone, `role/finance-admin` ran as `role/sandbox/finance-admin`.
 */
export function roleNamedBy<R extends { readonly path: string }>(stored: R | undefined, ref: { readonly partition: Partition; readonly path: string }, partition: Partition, byName = false): R | undefined {
  return stored && (byName || partition === 'acs' || ref.partition === 'acs' || stored.path === ref.path) ? stored : undefined;
}

/** Session tags override role tags with the same key, compared without case (reference §A.1.8). */
export function mergeTags(base: Readonly<Record<string, string>>, over: Readonly<Record<string, string>> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  // A tag key is any run of letters, digits and `_.:/=+-@`, `__proto__` among them: assigned, it would set the
  // prototype (and be dropped), so it is defined as every key is (review K, K6).
  const set = (k: string, v: string): void => void Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
  const lower = new Map<string, string>();
  for (const [k, v] of Object.entries(base)) {
    set(k, v);
    lower.set(k.toLowerCase(), k);
  }
  for (const [k, v] of Object.entries(over ?? {})) {
    const prev = lower.get(k.toLowerCase());
    if (prev !== undefined) delete out[prev];
    set(k, v);
    lower.set(k.toLowerCase(), k);
  }
  return out;
}

/** The engine principal of a session; `roleTags` are the role's (or user's) own tags. */
export function sessionPrincipal(c: SessionClaims, ownTags: Readonly<Record<string, string>>): Principal {
  const tags = mergeTags(ownTags, c.tags);
  const session = { name: c.name, issuedAt: c.iat, ...(c.srcId !== undefined ? { sourceIdentity: c.srcId } : {}), ...(c.fed !== undefined ? { federated: c.fed } : {}) };
  if (c.fu) {
    // What AWS answers for a federated user: the `federated-user` ARN, `ACCOUNT:NAME` as its user id (GetCallerIdentity,
    // aws:userid); its principal tags are the IAM user's with the session tags over them.
    // The IAM user that federated: a resource policy naming it applies to the session (policy review fs, 1).
    const federatedFrom = { arn: userArnOf(c.part, c.acct, c.fu.path, c.fu.name), id: c.fu.id };
    return { kind: 'federated-user', arn: federatedUserArn(c.acct, c.name), partition: c.part, account: c.acct, userId: `${c.acct}:${c.name}`, federatedFrom, tags, session };
  }
  if (c.role) {
    return {
      kind: 'role-session',
      arn: sessionArn(c.part, c.acct, c.role.name, c.name),
      partition: c.part,
      account: c.acct,
      roleArn: roleArnOf(c.part, c.acct, c.role.path, c.role.name),
      userId: `${c.role.id}:${c.name}`,
      tags,
      session,
    };
  }
  const u = c.user ?? { name: c.name, path: '/', id: c.name };
  return { kind: 'user', arn: userArnOf(c.part, c.acct, u.path, u.name), partition: c.part, account: c.acct, userId: u.id, tags, session };
}

/**
 * Deterministic "packed size" of the session policies and tags (docs/decisions.md): percent of PACKED_LIMIT, a budget of
 * characters, counted as STS counts every string's length (`characters`): a character above U+FFFF counted two UTF-16
 * units, so tags written in such letters were refused PackedPolicyTooLarge at half the budget (review ud, 1).
 */
export function packedPolicyPercent(policy: string | undefined, policyArns: readonly string[], tags: Readonly<Record<string, string>>): number {
  let size = policy ? characters(policy.replace(/\s+/g, '')) : 0;
  for (const a of policyArns) size += characters(a);
  for (const [k, v] of Object.entries(tags)) size += characters(k) + characters(v) + 2;
  return Math.ceil((size * 100) / PACKED_LIMIT);
}

export interface AssumeRoleParams {
  readonly durationSeconds?: number;
  readonly roleSessionName: string;
  readonly externalId?: string;
  readonly sourceIdentity?: string;
  readonly policy?: string;
  readonly policyArns: readonly string[];
  readonly tags: readonly { key: string; value: string }[];
  readonly transitiveTagKeys: readonly string[];
  /** The MFA parameters given (`SerialNumber`, `TokenCode`): refused, since no MFA device is authenticated here. */
  readonly mfaParameters?: readonly string[];
  /** Their values, checked against their constraints before the refusal (`mfaProblem`). */
  readonly serialNumber?: string;
  readonly tokenCode?: string;
  /**
   * The trusted context assertions given (`ProvidedContexts.member.N.{ProviderArn, ContextAssertion}`): checked against
   * their constraints, then refused, since no assertion can be validated here (`providedContextsRefusal`).
   */
  readonly providedContexts?: readonly { readonly providerArn: string; readonly contextAssertion: string }[];
}

/**
 * AssumeRole's `ProvidedContexts` (STS API reference, `ProvidedContext`): at most 5, each `ProviderArn` 20 to 2,048
 * characters and `ContextAssertion` 4 to 2,048.
 */
export const PROVIDED_CONTEXTS = { max: 5, providerArn: { min: 20, max: 2048 }, contextAssertion: { min: 4, max: 2048 } } as const;

/**
 * The refusal of `ProvidedContexts` (review hj, 2): a trusted context assertion is signed and encrypted by AWS STS for
 * IAM Identity Center's trusted identity propagation, and this server can neither open nor validate one, so it cannot
 * set the identity context the caller asked for. It was ignored, and the session issued without it: a broker passing a
 * user's identity context got a session that did not carry it, and neither the policies nor the audit log saw the user.
 */
export function providedContextsRefusal(providerArns: readonly string[]): string {
  const named = [...new Set(providerArns)].map((a) => `\`${a.length > 128 ? `${a.slice(0, 128)}…` : a}\``).join(', ');
  return `ProvidedContexts cannot be honoured: this server validates no trusted context assertion (AWS STS signs and encrypts them for IAM Identity Center's trusted identity propagation), so the session cannot carry the context asserted by ${named}; call again without ProvidedContexts (the session then carries no identity context)`;
}

/** The refusal of MFA parameters (review sts, E8): AWS's words for a code it cannot validate, and what to do. */
export function mfaRefusalMessage(given: readonly string[]): string {
  return `MultiFactorAuthentication failed, unable to validate MFA code: this server authenticates no MFA device, so ${given.map((k) => `\`${k}\``).join(' and ')} cannot be checked; call again without SerialNumber and TokenCode (the session then carries no MFA)`;
}

/**
 * Why STS refuses a set of session tags as a whole, in its words (its answer is InvalidParameterValue, 400, after every
 * parameter has passed its own constraints): a key given twice, in any case; a transitive key not among the tags.
 */
export const TAG_SET_REFUSALS = {
  duplicate: 'Duplicate tag keys found. Please note that Tag keys are case insensitive.',
  transitiveNotTag: 'The specified transitive tag key must be included in the requested tags.',
  transitiveOverridden: "One of the specified transitive tag keys can't be set because it conflicts with a transitive tag key from the calling session.",
} as const;

/**
 * Validates AssumeRole parameters against the documented constraints: the first problem, with the code STS answers it
 * with (`VALIDATION_ERROR` for a parameter outside its own constraints, checked first; `INVALID_PARAMETER_VALUE` for
 * tags refused together, `TAG_SET_REFUSALS`), or undefined.
 */
export function checkAssumeRoleParams(p: AssumeRoleParams, partition: Partition): { code: 'VALIDATION_ERROR' | 'INVALID_PARAMETER_VALUE'; message: string; path: AssumeRoleParameter } | undefined {
  const invalid = validationProblem(p, partition);
  if (invalid !== undefined) return { code: 'VALIDATION_ERROR', ...invalid };
  const seen = new Set<string>();
  for (const t of p.tags) {
    if (seen.has(t.key.toLowerCase())) return { code: 'INVALID_PARAMETER_VALUE', message: `${TAG_SET_REFUSALS.duplicate} (\`${t.key}\`)`, path: 'Tags' };
    seen.add(t.key.toLowerCase());
  }
  const missing = p.transitiveTagKeys.find((k) => !seen.has(k.toLowerCase()));
  if (missing !== undefined) return { code: 'INVALID_PARAMETER_VALUE', message: `${TAG_SET_REFUSALS.transitiveNotTag} (\`${missing}\`)`, path: 'TransitiveTagKeys' };
  if (p.providedContexts !== undefined && p.providedContexts.length > 0) {
    return { code: 'INVALID_PARAMETER_VALUE', message: providedContextsRefusal(p.providedContexts.map((c) => c.providerArn)), path: 'ProvidedContexts' };
  }
  return undefined;
}

/** The longest parameter value a validation message quotes. */
const MAX_SHOWN_VALUE = 256;

/**
 * A string parameter outside its constraints, in STS's words: one clause per constraint broken (pattern, then length),
 * counted (`2 validation errors detected: …; …`), as AWS answers (review cy, 2). `chars` tests the characters only;
 * `shown` false keeps the value out of the message (`Value at 'externalId'`).
 */
function stringProblem(field: string, value: string, rule: { readonly chars: RegExp; readonly pattern: string; readonly min: number; readonly max: number }, shown = true): string | undefined {
  const broken: string[] = [];
  if (!rule.chars.test(value)) broken.push(`Member must satisfy regular expression pattern: ${rule.pattern}`);
  // In characters, as STS counts every string's length (as the tags', review oe, 1): a character above U+FFFF is one
  // (review ow, 2: a RoleSessionName of 33 such was refused as longer than 64, a SourceIdentity or GetFederationToken
  // Name alike, and one such character was not too short).
  const n = characters(value);
  if (n < rule.min) broken.push(`Member must have length greater than or equal to ${rule.min}`);
  if (n > rule.max) broken.push(`Member must have length less than or equal to ${rule.max}`);
  if (broken.length === 0) return undefined;
  // A long value is left out as `shown` false leaves it: the parameters of an unsigned call reach 1 MiB, and were
  // answered whole to whoever sent them (review gc, 4).
  const subject = shown && value.length <= MAX_SHOWN_VALUE ? `Value '${value}'` : 'Value';
  return `${broken.length} validation error${broken.length > 1 ? 's' : ''} detected: ${broken.map((c) => `${subject} at '${field}' failed to satisfy constraint: ${c}`).join('; ')}`;
}

/**
 * A `DurationSeconds` outside `range`, in STS's words for the bound it passes ("Member must have value less than or
 * equal to 43200"), or undefined.
 */
export function durationProblem(seconds: number, range: { readonly min: number; readonly max: number }): string | undefined {
  const constraint = !Number.isInteger(seconds) ? 'Member must be an integer' : seconds < range.min ? `Member must have value greater than or equal to ${range.min}` : seconds > range.max ? `Member must have value less than or equal to ${range.max}` : undefined;
  return constraint === undefined ? undefined : `1 validation error detected: Value '${seconds}' at 'durationSeconds' failed to satisfy constraint: ${constraint}`;
}

/** The rules of the STS string parameters (the STS API reference's patterns and lengths; RAM's characters for an `acs` role's session name, review ao, 2). */
const STRING_RULES = {
  roleSessionName: { chars: /^[\w+=,.@-]*$/, pattern: '[\\w+=,.@-]*', min: 2, max: 64 },
  ramRoleSessionName: { chars: /^[A-Za-z0-9.@_-]*$/, pattern: '[A-Za-z0-9.@_-]*', min: 2, max: 64 },
  externalId: { chars: /^[\w+=,.@:/-]*$/, pattern: '[\\w+=,.@:\\/-]*', min: 2, max: 1224 },
  sourceIdentity: { chars: /^[\w+=,.@-]*$/, pattern: '[\\w+=,.@-]*', min: 2, max: 64 },
  serialNumber: { chars: /^[\w+=/:,.@-]*$/, pattern: '[\\w+=/:,.@-]*', min: 9, max: 256 },
  tokenCode: { chars: /^\d*$/, pattern: '[\\d]*', min: 6, max: 6 },
} as const;

/**
 * `SerialNumber` or `TokenCode` outside its constraints (STS API reference, AssumeRole and GetSessionToken; botocore
 * `serialNumberType`, `tokenCodeType`), in STS's words, the value left out (a one-time code and its device are the
 * caller's): checked before the MFA refusal, as every parameter is checked before the call's own refusals (review lo, 1:
 * a 5-digit code was answered "unable to validate MFA code", as a wrong code would be).
 */
export function mfaProblem(p: { readonly serialNumber?: string | undefined; readonly tokenCode?: string | undefined }): { message: string; path: 'SerialNumber' | 'TokenCode' } | undefined {
  const serial = p.serialNumber !== undefined ? stringProblem('serialNumber', p.serialNumber, STRING_RULES.serialNumber, false) : undefined;
  if (serial !== undefined) return { message: serial, path: 'SerialNumber' };
  const code = p.tokenCode !== undefined ? stringProblem('tokenCode', p.tokenCode, STRING_RULES.tokenCode, false) : undefined;
  return code !== undefined ? { message: code, path: 'TokenCode' } : undefined;
}

/**
 * GetSessionToken's parameters against their constraints (`DurationSeconds` 900 to 129,600; the MFA parameters,
 * `mfaProblem`): the first problem, or undefined. Checked before the MFA refusal and before the credentials are (review
 * hd, 4; review lo, 1).
 */
export function checkSessionTokenParams(p: { readonly durationSeconds?: number | undefined; readonly serialNumber?: string | undefined; readonly tokenCode?: string | undefined }): { message: string; path: 'DurationSeconds' | 'SerialNumber' | 'TokenCode' } | undefined {
  const duration = p.durationSeconds !== undefined ? durationProblem(p.durationSeconds, SESSION_TOKEN_DURATION) : undefined;
  return duration !== undefined ? { message: duration, path: 'DurationSeconds' } : mfaProblem(p);
}

/**
 * The request parameter a refusal is about, as the API names it: the error's path, which Alibaba's STS turns into its
 * code (`InvalidParameter.RoleSessionName`, `InvalidParameter.DurationSeconds`; review en, 1).
 */
export type AssumeRoleParameter = 'RoleSessionName' | 'DurationSeconds' | 'ExternalId' | 'SerialNumber' | 'TokenCode' | 'SourceIdentity' | 'Policy' | 'PolicyArns' | 'Tags' | 'TransitiveTagKeys' | 'ProvidedContexts';

function validationProblem(p: AssumeRoleParams, partition: Partition): { message: string; path: AssumeRoleParameter } | undefined {
  const at = (path: AssumeRoleParameter, message: string | undefined) => (message === undefined ? undefined : { message, path });
  return (
    at('RoleSessionName', stringProblem('roleSessionName', p.roleSessionName, partition === 'acs' ? STRING_RULES.ramRoleSessionName : STRING_RULES.roleSessionName)) ??
    at('DurationSeconds', p.durationSeconds !== undefined ? durationProblem(p.durationSeconds, DURATION) : undefined) ??
    at('ExternalId', p.externalId !== undefined ? stringProblem('externalId', p.externalId, STRING_RULES.externalId, false) : undefined) ??
    mfaProblem(p) ??
    at('SourceIdentity', p.sourceIdentity !== undefined ? stringProblem('sourceIdentity', p.sourceIdentity, STRING_RULES.sourceIdentity, false) : undefined) ??
    at('Policy', policyProblem(p.policy, partition)) ??
    at('PolicyArns', policyArnsProblem(p.policyArns) ?? sessionPoliciesPlaintextProblem(p.policy, p.policyArns)) ??
    at('Tags', tagsProblem(p.tags)) ??
    at('TransitiveTagKeys', transitiveKeysProblem(p.transitiveTagKeys)) ??
    at('ProvidedContexts', providedContextsProblem(p.providedContexts ?? []))
  );
}

/** `ProvidedContexts` outside its constraints (`PROVIDED_CONTEXTS`), in STS's words, the values left out. */
function providedContextsProblem(contexts: NonNullable<AssumeRoleParams['providedContexts']>): string | undefined {
  if (contexts.length > PROVIDED_CONTEXTS.max) return `1 validation error detected: Value at 'providedContexts' failed to satisfy constraint: Member must have length less than or equal to ${PROVIDED_CONTEXTS.max}`;
  for (const [i, c] of contexts.entries()) {
    for (const [field, value, bounds] of [['providerArn', c.providerArn, PROVIDED_CONTEXTS.providerArn], ['contextAssertion', c.contextAssertion, PROVIDED_CONTEXTS.contextAssertion]] as const) {
      const at = (constraint: string) => `1 validation error detected: Value at 'providedContexts.${i + 1}.member.${field}' failed to satisfy constraint: Member must have length ${constraint}`;
      if (characters(value) < bounds.min) return at(`greater than or equal to ${bounds.min}`);
      if (characters(value) > bounds.max) return at(`less than or equal to ${bounds.max}`);
    }
  }
  return undefined;
}

export interface FederationTokenParams {
  readonly name: string;
  readonly durationSeconds?: number;
  readonly policy?: string;
  readonly policyArns: readonly string[];
  readonly tags: readonly { key: string; value: string }[];
}

/**
 * GetFederationToken's parameters against the STS API reference: `Name` 2 to 32 characters of `[\w+=,.@-]`,
 * `DurationSeconds` 900 to 129,600, the session policy, policy ARNs and tags as AssumeRole takes them (a key given twice,
 * in any case, is InvalidParameterValue). The first problem, with its code and parameter, or undefined.
 */
export function checkFederationTokenParams(p: FederationTokenParams): { code: 'VALIDATION_ERROR' | 'INVALID_PARAMETER_VALUE'; message: string; path: string } | undefined {
  const at = (path: string, message: string | undefined) => (message === undefined ? undefined : { code: 'VALIDATION_ERROR' as const, message, path });
  const invalid =
    at('Name', stringProblem('name', p.name, { chars: /^[\w+=,.@-]*$/, pattern: '[\\w+=,.@-]*', min: 2, max: 32 })) ??
    at('DurationSeconds', p.durationSeconds !== undefined ? durationProblem(p.durationSeconds, FEDERATION_TOKEN_DURATION) : undefined) ??
    at('Policy', policyProblem(p.policy)) ??
    at('PolicyArns', policyArnsProblem(p.policyArns) ?? sessionPoliciesPlaintextProblem(p.policy, p.policyArns)) ??
    at('Tags', tagsProblem(p.tags));
  if (invalid !== undefined) return invalid;
  const seen = new Set<string>();
  for (const t of p.tags) {
    if (seen.has(t.key.toLowerCase())) return { code: 'INVALID_PARAMETER_VALUE', message: `${TAG_SET_REFUSALS.duplicate} (\`${t.key}\`)`, path: 'Tags' };
    seen.add(t.key.toLowerCase());
  }
  return undefined;
}

/**
 * The characters a session policy may hold (botocore `sessionPolicyDocumentType`: `[\u0009\u000A\u000D\u0020-\u00FF]+`),
 * as the pattern STS's message quotes it.
 */
const SESSION_POLICY_RULE = { chars: /^[\t\n\r\u0020-\u00FF]*$/, pattern: '[\\u0009\\u000A\\u000D\\u0020-\\u00FF]+', min: 1, max: LIMITS.policyChars } as const;

/**
 * The inline session policy (`Policy`) outside its constraints, in STS's words, the value left out: a parameter
 * constraint, so ValidationError before anything reads the document (review hd, 1: a character outside the pattern was
 * answered MalformedPolicyDocument by the policy parser, where STS answers ValidationError).
 */
function policyProblem(policy: string | undefined, partition: Partition = 'aws'): string | undefined {
  if (policy !== undefined && policy.length < 1) return `1 validation error detected: Value '' at 'policy' failed to satisfy constraint: Member must have length greater than or equal to 1`;
  return policy === undefined ? undefined : stringProblem('policy', policy, partition === 'acs' ? RAM_SESSION_POLICY_RULE : SESSION_POLICY_RULE, false);
}

/**
 * RAM's session policy (Alibaba STS AssumeRole and AssumeRoleWithOIDC, `Policy`): 1 to 2,048 characters, its only
 * constraint as a parameter. The AWS character pattern (U+0020–U+00FF) is botocore's STS model, no rule of Alibaba's, and
 * a policy naming `acs:oss:*:*:reports/报告/*` (170 characters) was answered `InvalidParameter.PolicySize`, "too large",
 * quoting AWS's pattern (review hj, 4): a client that retries a PolicySize refusal with a compacted policy retried in
 * vain. The characters are the policy grammar's (the rule of every policy document, core/iam/parse.ts), so such a policy
 * is `InvalidParameter.PolicyGrammar` naming the character, as PutRolePolicy refuses the same document.
 */
const RAM_SESSION_POLICY_RULE = { chars: /^[\s\S]*$/, pattern: '.*', min: 1, max: LIMITS.policyChars } as const;

/**
 * The managed session policies (`PolicyArns`): at most 10, each ARN 20 to 2,048 characters (STS API reference,
 * `PolicyDescriptorType`), in AWS's words, the value left out. An ARN of any length was taken: looked up, then echoed
 * whole in the refusal of a policy not found and recorded whole in the audit log, 1 MiB a request (review fx, 3).
 */
function policyArnsProblem(arns: readonly string[]): string | undefined {
  if (arns.length > LIMITS.policyArns) return `1 validation error detected: Value at 'policyArns' failed to satisfy constraint: Member must have length less than or equal to ${LIMITS.policyArns}`;
  for (const [i, arn] of arns.entries()) {
    const at = (constraint: string) => `1 validation error detected: Value at 'policyArns.${i + 1}.member.arn' failed to satisfy constraint: Member must have length ${constraint}`;
    if (characters(arn) < LIMITS.policyArnChars.min) return at(`greater than or equal to ${LIMITS.policyArnChars.min}`);
    if (characters(arn) > LIMITS.policyArnChars.max) return at(`less than or equal to ${LIMITS.policyArnChars.max}`);
  }
  return undefined;
}

/**
 * The inline session policy and the managed session policy ARNs together, as plaintext: "The plaintext that you use for
 * both inline and managed session policies can't exceed 2,048 characters" (STS API reference, AssumeRole,
 * AssumeRoleWithWebIdentity and GetFederationToken, `Policy` and `PolicyArns`; policy-semantics.md §A.1.9). Each was
 * held to 2,048 on its own, and the sum only to the packed budget (`PACKED_LIMIT`, twice as large), so a policy of
 * 2,000 characters beside a managed policy ARN, which STS refuses, was issued (review nl, 1). Checked once each part
 * has passed its own constraint; the characters are counted as sent, whitespace included, as `Policy`'s own length is.
 */
function sessionPoliciesPlaintextProblem(policy: string | undefined, arns: readonly string[]): string | undefined {
  if (arns.length === 0) return undefined;
  const arnChars = arns.reduce((n, a) => n + characters(a), 0);
  const policyChars = policy !== undefined ? characters(policy) : 0;
  const total = policyChars + arnChars;
  if (total <= LIMITS.policyChars) return undefined;
  return `the inline session policy (${policyChars} characters) and the managed session policy ARNs (${arnChars} characters) take ${total} characters of plaintext together, over the ${LIMITS.policyChars} STS takes for both: pass a shorter session policy or fewer managed session policies`;
}

function tagsProblem(tags: AssumeRoleParams['tags']): string | undefined {
  if (tags.length > LIMITS.tags) return `1 validation error detected: Value at 'tags' failed to satisfy constraint: Member must have length less than or equal to ${LIMITS.tags}`;
  for (const [i, t] of tags.entries()) {
    const bad = sessionTagProblem(t, i);
    if (bad !== undefined) return bad;
  }
  return undefined;
}

function transitiveKeysProblem(keys: readonly string[]): string | undefined {
  if (keys.length > LIMITS.transitive) return `1 validation error detected: Value at 'transitiveTagKeys' failed to satisfy constraint: Member must have length less than or equal to ${LIMITS.transitive}`;
  for (const [i, k] of keys.entries()) {
    // Each a tag key (botocore's `tagKeyListType`), checked before it is looked for among the tags.
    const at = (constraint: string) => `1 validation error detected: Value '${shortName(k)}' at 'transitiveTagKeys.${i + 1}.member' failed to satisfy constraint: ${constraint}`;
    if (k.length < 1) return at('Member must have length greater than or equal to 1');
    if (characters(k) > LIMITS.tagKey) return at(`Member must have length less than or equal to ${LIMITS.tagKey}`);
    if (!TAG_KEY_RE.test(k)) return at(`Member must satisfy regular expression pattern: ${TAG_KEY_PATTERN}`);
    if (reservedByGatehouse(k)) {
      return `1 validation error detected: Value '${shortName(k)}' at 'transitiveTagKeys.${i + 1}.member' failed to satisfy constraint: Member must not begin with '${GATEHOUSE_TAG_PREFIX}', a prefix reserved for the tags Gatehouse sets on job and node sessions`;
    }
  }
  return undefined;
}
