/**
 * IAM name rules and quotas, as the IAM API reference documents them
 * (https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html and siblings;
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html). Pure: every check returns
 * a message or undefined.
 */

import { characters, GATEHOUSE_TAG_PREFIX, reservedByGatehouse } from '../sts/session.ts';

export type EntityKind = 'user' | 'group' | 'role' | 'policy' | 'instance-profile';

export const QUOTAS = {
  usersPerAccount: 5000,
  groupsPerAccount: 300,
  rolesPerAccount: 1000,
  customerManagedPoliciesPerAccount: 1500,
  groupsPerUser: 10,
  managedPoliciesPerEntity: 10,
  accessKeysPerUser: 2,
  policyVersions: 5,
  tagsPerEntity: 50,
  /** Aggregate inline policy size, characters without whitespace. */
  inlineAggregate: { user: 2048, group: 5120, role: 10240 },
  managedPolicySize: 6144,
  trustPolicySize: 2048,
} as const;

const NAME_RE = /^[\w+=,.@-]+$/;
const NAME_MAX: Readonly<Record<EntityKind, number>> = { user: 64, group: 128, role: 64, policy: 128, 'instance-profile': 128 };
const PATH_RE = /^(\/|\/[\u0021-\u007E]+\/)$/;
const TAG_KEY_RE = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]+$/u;
const TAG_VALUE_RE = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;
/**
 * A value as messages quote it: whole up to `max` characters, else its first `max` and its length, so that a refused
 * over-long name is not echoed back in full (review Z, finding 6: a 3,000,000-character name made a 6 MB answer).
 */
export function shortName(value: string, max = 80): string {
  return value.length <= max ? value : `${value.slice(0, max)}… (${value.length} characters)`;
}

const UNPRINTABLE_KEY = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/u;

/**
 * A key of a request (a field or parameter name, any text a caller sends) as a message quotes it: `shortName`'s bounded
 * prefix, with control characters, quotes and backslashes escaped as in a JSON string, so that a 200 KB key is not
 * echoed back in full nor an ANSI escape in it printed raw by the CLI (review pq, 1).
 */
export function shownKey(key: string, max = 80): string {
  const escaped = JSON.stringify(key.length <= max ? key : key.slice(0, max)).slice(1, -1);
  return key.length <= max ? escaped : `${escaped}… (${key.length} characters)`;
}

/**
 * The JSON path of an error about request key `key` (below `prefix`): the key itself when a reader could use it as one
 * (at most 128 characters, no control or format character), else `prefix` without it — the message names the key
 * (review pq, 1: a 200 KB key was the path too).
 */
export function keyPath(key: string, prefix = ''): string {
  if (key.length > 128 || UNPRINTABLE_KEY.test(key) || !key.isWellFormed()) return prefix.endsWith('.') ? prefix.slice(0, -1) : prefix;
  return `${prefix}${key}`;
}

/**
 * IAM's bound on the length of a name, as creating the entity says it; undefined within it (or for no string). An
 * action on an existing entity checks it before deciding anything: a name of any length was decided, refused naming
 * the ARN made of it and recorded with it, megabytes a request from a principal with no permission (review gm, 5).
 */
export function nameTooLong(kind: EntityKind, name: unknown, field = `${kind === 'policy' ? 'Policy' : kind[0]!.toUpperCase() + kind.slice(1)}Name`): string | undefined {
  if (typeof name !== 'string' || name.length <= NAME_MAX[kind]) return undefined;
  return `${field} \`${shortName(name)}\` is longer than ${NAME_MAX[kind]} characters`;
}

/**
 * A name an action looks up (GetUser, DeleteRole, AddUserToGroup's UserName, GetUserPolicy's PolicyName…), held to IAM's
 * bound and pattern (`[\w+=,.@-]+`) before anything is decided: a name outside the pattern was looked up, answered
 * NoSuchEntity ("cannot be found", read as "already gone" by a cleanup) and, for a caller without the right, AccessDenied
 * on an ARN made of it (`ops/deploy` a path), where IAM answers ValidationError (review kz, 1). Undefined for a name that
 * fits, and for an empty one, which the action's own check of a required or implied name refuses.
 */
export function lookupNameProblem(kind: EntityKind, name: unknown, field = `${kind === 'policy' ? 'Policy' : kind[0]!.toUpperCase() + kind.slice(1)}Name`): string | undefined {
  if (typeof name !== 'string' || name === '') return undefined;
  return nameTooLong(kind, name, field) ?? (NAME_RE.test(name) ? undefined : `${field} \`${name}\` may contain only letters, digits and \`+=,.@_-\``);
}

/** The most characters of an ARN parameter (IAM's `arnType`: PolicyArn, PolicySourceArn, PermissionsBoundary…). */
export const MAX_ARN_PARAMETER = 2048;

/**
 * IAM's refusal of an ARN parameter past `MAX_ARN_PARAMETER`, in IAM's words (the value not quoted); undefined within it.
 * Checked before anything decides on the value, so that it is neither echoed in an AccessDenied nor recorded as a
 * refusal's resource: a principal with no permission sent ARNs of 300,000 characters and each was recorded twice
 * (review gm, 4; review iu, 1).
 */
export function arnTooLong(field: string, arn: string): string | undefined {
  if (arn.length <= MAX_ARN_PARAMETER) return undefined;
  return `1 validation error detected: Value at '${field.charAt(0).toLowerCase()}${field.slice(1)}' failed to satisfy constraint: Member must have length less than or equal to ${MAX_ARN_PARAMETER}`;
}

/**
 * A policy ARN parameter (`PolicyArn`, `PermissionsBoundary`) that is no managed policy's ARN in shape: not
 * `arn:<partition>:iam::<account>:policy/<path><name>` (nor RAM's `acs:ram::<account>:policy/<name>`), a policy's path
 * and name holding no `:`. IAM answers such a value, past its length bounds, 400 InvalidInput `ARN … is not valid.`
 * (a name where the ARN goes, CDK's ARN nested in an ARN), never NoSuchEntity, which says the ARN is well formed and
 * names no policy (review tg, 3). In any case, as policies are looked up. The message, or undefined.
 */
export function policyArnShapeProblem(field: string, arn: string): string | undefined {
  if (/^(?:arn:[a-z0-9-]+:iam|acs:ram)::[^:]*:policy\/[^:]*[^:/]$/i.test(arn)) return undefined;
  return `ARN ${shortName(arn)} is not valid. ${field} must be the ARN of a managed policy, as ListPolicies answers it (\`arn:aws:iam::aws:policy/ReadOnlyAccess\` for a built-in one)`;
}

/**
 * Key ids as they are issued (`AKIA…`, `ASIA…`, `LTAI…`, `STS.…`). A value given for a key id that is not so shaped is
 * not echoed nor recorded: credentials given the wrong way round put the secret access key where the id goes (review
 * ct, 1; review qz, 4), and a secret (base64) begins with one of these prefixes, followed by letters and digits only,
 * less than once in fifty million.
 */
export const ISSUED_KEY_ID = /^(?:AKIA|ASIA|LTAI|STS\.)[A-Za-z0-9]{1,124}$/;

/**
 * An access key id as IAM's API model bounds it (`accessKeyIdType`: 16 to 128 of `[\w]`); a message when it is not one.
 * Checked before anything decides or looks it up: the NoSuchEntity quoted a key id of any length, and DeleteAccessKey's
 * and UpdateAccessKey's audit records kept it (review iu, 2).
 */
export function checkAccessKeyId(id: unknown, field = 'AccessKeyId'): string | undefined {
  if (typeof id === 'string' && id.length >= 16 && id.length <= 128 && /^\w+$/.test(id)) return undefined;
  return `${field} \`${shortName(String(id))}\` is not an access key id (16 to 128 letters, digits or \`_\`): ListAccessKeys gives a user's key ids`;
}

export function checkName(kind: EntityKind, name: unknown, field = `${kind === 'policy' ? 'Policy' : kind[0]!.toUpperCase() + kind.slice(1)}Name`): string | undefined {
  if (typeof name !== 'string' || name.length === 0) return `${field} is required`;
  const max = NAME_MAX[kind];
  if (name.length > max) return `${field} \`${shortName(name)}\` is longer than ${max} characters`;
  if (!NAME_RE.test(name)) return `${field} \`${name}\` may contain only letters, digits and \`+=,.@_-\``;
  return undefined;
}

export function checkPath(path: unknown, field = 'Path'): string | undefined {
  if (path === undefined) return undefined;
  if (typeof path !== 'string' || path.length > 512 || !PATH_RE.test(path)) {
    return `${field} must be \`/\` or start and end with \`/\` (printable ASCII, up to 512 characters), got \`${String(path).slice(0, 80)}\``;
  }
  return undefined;
}

/**
 * The path of a managed policy (CreatePolicy's `Path`, ListPolicies' `PathPrefix`): IAM's `policyPathType`,
 * `((/[A-Za-z0-9.,+@=_-]+)*)/`, narrower than a user's or role's path: no `*`, `?`, `$`, `{`, `:` or empty segment
 * in a policy ARN (review directory, D4).
 */
export function checkPolicyPath(path: unknown, field = 'Path'): string | undefined {
  if (path === undefined) return undefined;
  if (typeof path !== 'string' || path.length > 512 || !/^(\/[A-Za-z0-9.,+@=_-]+)*\/$/.test(path)) {
    return `${field} of a managed policy must be \`/\` or \`/\`-separated segments of letters, digits and \`.,+@=_-\` ending with \`/\` (up to 512 characters), got \`${String(path).slice(0, 80)}\``;
  }
  return undefined;
}

/**
 * The `PathPrefix` of ListUsers, ListGroups and ListRoles: `/` and up to 511 printable ASCII characters after it (IAM's
 * `pathPrefixType`, `\u002F[\u0021-\u007F]*`). Unlike a path it need not end with `/`: `/service-role` lists
 * `/service-role/` and `/service-roles/` alike, a prefix of the path as written (review directory, D3).
 */
export function checkPathPrefix(prefix: unknown, field = 'PathPrefix'): string | undefined {
  if (prefix === undefined) return undefined;
  if (typeof prefix !== 'string' || prefix.length > 512 || !/^\/[\u0021-\u007F]*$/.test(prefix)) {
    return `${field} must start with \`/\` (printable ASCII, up to 512 characters), got \`${String(prefix).slice(0, 80)}\``;
  }
  return undefined;
}

export function checkMaxSessionDuration(v: unknown): string | undefined {
  if (v === undefined) return undefined;
  const n = typeof v === 'string' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 3600 || n > 43200) return `MaxSessionDuration must be an integer from 3600 to 43200 seconds, got \`${shortName(String(v))}\``;
  return undefined;
}

export function checkDescription(v: unknown): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || v.length > 1000) return 'Description must be a string of at most 1000 characters';
  if (!/^[\u0009\u000A\u000D\u0020-\u007E\u00A1-\u00FF]*$/.test(v)) return 'Description contains characters outside the allowed range';
  return undefined;
}

/**
 * A managed policy's Description: at most 1,000 characters of any script (IAM's `policyDescriptionType` has no
 * pattern, unlike a role's), so `只读访问` or `Lecture seule — données` are taken; only the characters XML cannot carry
 * (controls but tab, newline, carriage return; U+FFFE, U+FFFF; unpaired surrogates) are refused, since the IAM API
 * could not give them back (review directory, D13).
 */
export function checkPolicyDescription(v: unknown): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || characters(v) > 1000) return 'Description must be a string of at most 1000 characters';
  if (/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/.test(v) || !v.isWellFormed()) return 'Description holds a control character or an unpaired surrogate: remove it';
  return undefined;
}

export interface Tag {
  readonly key: string;
  readonly value: string;
}

/**
 * Why Alibaba Cloud reserves tag key `key`, or undefined: RAM refuses a key that begins with `acs:` or `aliyun` or holds
 * `http://` or `https://` (RAM's TagResources), the prefixes of the tags and condition keys Alibaba sets itself, as AWS
 * reserves `aws:`. Held in `acs` accounts only (review qn, 3); compared without regard to case, as `aws:` is.
 */
export function acsReservedTagKey(key: string): string | undefined {
  const k = key.toLowerCase();
  if (k.startsWith('acs:') || k.startsWith('aliyun')) return `the \`acs:\` and \`aliyun\` prefixes are reserved by Alibaba Cloud in an acs account`;
  if (k.includes('http://') || k.includes('https://')) return 'a key holding `http://` or `https://` is reserved by Alibaba Cloud in an acs account';
  return undefined;
}

/**
 * A refusal of one tag begins `Tags[i].Key` or `Tags[i].Value`, i its index in `tags`: the admin API names the body's
 * element from it (review nd, 3). In an `acs` account (`partition`), Alibaba's reserved keys are refused too
 * (`acsReservedTagKey`), but not a key an `existing` tag already carries.
 */
export function checkTags(tags: readonly Tag[], existing: readonly Tag[] = [], partition?: Partition): string | undefined {
  const keys = new Map<string, string>();
  for (const t of existing) keys.set(t.key.toLowerCase(), t.key);
  for (const [i, t] of tags.entries()) {
    if (typeof t.key !== 'string' || t.key.length < 1 || characters(t.key) > 128 || !TAG_KEY_RE.test(t.key)) return `Tags[${i}].Key must be 1–128 letters, digits, spaces or \`_.:/=+-@\``;
    if (t.key.toLowerCase().startsWith('aws:')) return `Tags[${i}].Key \`${t.key}\`: the \`aws:\` prefix is reserved`;
    // A user's or role's tags are its sessions' aws:PrincipalTag, and Gatehouse marks job and node sessions with
    // gatehouse:workspace, gatehouse:job and gatehouse:cluster, which policies scope by (review X, X5). Only new tags are
    // checked: `existing` ones, stored before this rule, still load and may be removed.
    if (reservedByGatehouse(t.key)) return `Tags[${i}].Key \`${t.key}\`: the \`${GATEHOUSE_TAG_PREFIX}\` prefix is reserved for the tags Gatehouse sets on job and node sessions`;
    const alibaba = partition === 'acs' && !keys.has(t.key.toLowerCase()) ? acsReservedTagKey(t.key) : undefined;
    if (alibaba !== undefined) return `Tags[${i}].Key \`${t.key}\`: ${alibaba}`;
    if (typeof t.value !== 'string' || characters(t.value) > 256 || !TAG_VALUE_RE.test(t.value)) return `Tags[${i}].Value must be at most 256 letters, digits, spaces or \`_.:/=+-@\``;
  }
  const seen = new Set<string>();
  for (const t of tags) {
    const k = t.key.toLowerCase();
    if (seen.has(k)) return `tag key \`${t.key}\` is given twice (tag keys are case-insensitive)`;
    seen.add(k);
    keys.set(k, t.key);
  }
  if (keys.size > QUOTAS.tagsPerEntity) return `an entity may carry at most ${QUOTAS.tagsPerEntity} tags`;
  return undefined;
}

/**
 * Whether a refusal of `checkTags` is the count limit (LimitExceeded), not a malformed key or value (a validation
 * error): the value's message says "at most 256" too (review aa6).
 */
export const isTagCountRefusal = (message: string): boolean => message.startsWith('an entity may carry at most');

/**
 * The `TagKeys` of an UntagUser or UntagRole: at most 50, each 1–128 letters, digits, spaces or `_.:/=+-@` (IAM's
 * `tagKeyListType` and `tagKeyType`). A key no tag could have is refused, not silently matched against nothing
 * (review directory, D7).
 */
export function checkTagKeys(keys: readonly string[]): string | undefined {
  if (keys.length > QUOTAS.tagsPerEntity) return `TagKeys names ${keys.length} keys; at most ${QUOTAS.tagsPerEntity} may be removed in one request: split it`;
  for (const [i, k] of keys.entries()) {
    if (k.length < 1 || characters(k) > 128 || !TAG_KEY_RE.test(k)) return `TagKeys[${i}] \`${shortName(k)}\` must be 1–128 letters, digits, spaces or \`_.:/=+-@\``;
  }
  return undefined;
}

/**
 * A policy version id as IAM writes them (`policyVersionIdType`: `v` and a number, optionally `.` and letters, digits
 * or `-`): another spelling names no version of any policy, and is ValidationError rather than NoSuchEntity.
 */
export function checkVersionId(v: unknown): string | undefined {
  return typeof v === 'string' && /^v[1-9][0-9]*(\.[A-Za-z0-9-]*)?$/.test(v) ? undefined : `VersionId \`${shortName(String(v))}\` is not a policy version id (\`v1\`, \`v2\`, …): ListPolicyVersions gives them`;
}

/** Merges tags by case-insensitive key, the newer value winning. */
export function mergeTags(existing: readonly Tag[], added: readonly Tag[]): Tag[] {
  const out = new Map<string, Tag>();
  for (const t of existing) out.set(t.key.toLowerCase(), t);
  for (const t of added) out.set(t.key.toLowerCase(), t);
  return [...out.values()];
}

/**
 * An account's display name (`POST /v1/accounts {name}`, an Account document's `spec.name`): 1–128 characters of any
 * script, but no control character and no unpaired surrogate (review jf, 1). Neither store keeps those: SQLite read the
 * name back cut at a NUL (`acme\u0000evil` was answered 201 and read back as `acme`, and an apply of it found the account
 * changed on every run), PostgreSQL refused it with its own words naming no field, and both stored U+FFFD for a lone surrogate while the
 * answer echoed it. Undefined when `name` is one.
 */
export function checkAccountName(name: unknown): string | undefined {
  if (typeof name !== 'string' || name.length === 0 || name.length > 128) return 'name must be 1–128 characters';
  const control = /[\u0000-\u001f\u007f-\u009f]/.exec(name);
  if (control) return `name holds the control character U+${control[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')} at position ${control.index}: an account name is printable text`;
  if (!name.isWellFormed()) return 'name holds an unpaired UTF-16 surrogate (a `\\ud800`-style escape alone): no store can keep it';
  return undefined;
}

export function checkAccountId(id: unknown): string | undefined {
  return typeof id === 'string' && /^\d{12}$/.test(id) ? undefined : `account id must be 12 digits, got \`${shortName(String(id))}\``;
}

/** IAM's unique-id prefixes: AIDA (user), AGPA (group), AROA (role), ANPA (managed policy), AKIA / LTAI keys. */
export const ID_PREFIX = { user: 'AIDA', group: 'AGPA', role: 'AROA', policy: 'ANPA', accessKey: 'AKIA', ramAccessKey: 'LTAI' } as const;

const ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** A unique id from caller-supplied random bytes (the core reads no randomness itself). */
export function uniqueId(prefix: string, random: Uint8Array, length = 21): string {
  let out = prefix;
  for (let i = 0; out.length < length; i++) out += ID_ALPHABET[(random[i % random.length] ?? 0) % 32];
  return out;
}

export type Partition = 'aws' | 'acs';

/** ARN of a directory entity: `arn:aws:iam::A:role/path/name` or `acs:ram::A:role/name` (RAM has no paths). */
export function entityArn(partition: Partition, account: string, kind: 'user' | 'group' | 'role' | 'policy' | 'instance-profile', path: string, name: string): string {
  if (partition === 'acs') return `acs:ram::${account}:${kind}/${name}`;
  return `arn:aws:iam::${account}:${kind}${path}${name}`;
}

export function rootArn(partition: Partition, account: string): string {
  return partition === 'acs' ? `acs:ram::${account}:root` : `arn:aws:iam::${account}:root`;
}

/** The admin-action namespace of a partition: `iam:` for aws accounts, `ram:` for acs. */
export function adminService(partition: Partition): 'iam' | 'ram' {
  return partition === 'acs' ? 'ram' : 'iam';
}
