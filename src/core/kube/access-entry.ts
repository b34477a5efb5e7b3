/**
 * Access entries: which IAM principal is which Kubernetes user, per cluster (DESIGN.md "Kubernetes webhooks",
 * after EKS `CreateAccessEntry` and aws-iam-authenticator's `mapUsers`/`mapRoles`).
 *
 * An entry names a user or a role. A role's entry covers every session of the role. The Kubernetes username
 * defaults to the principal ARN for a user, and to the session ARN with the session name templated for a
 * role (`arn:aws:sts::<account>:assumed-role/<role>/{{SessionName}}`), so that each session is its own user
 * in audit logs while the groups come from the entry. Templates: `{{AccountID}}`, `{{SessionName}}` (the session
 * name with each `@` replaced by `-`), `{{SessionNameRaw}}` (the session name as it is), `{{AccessKeyID}}`, rendered
 * as EKS and aws-iam-authenticator render them (`renderTemplate`).
 */
import { failWith, ok, type Result } from '../errors.ts';
import { shortName } from '../directory/rules.ts';

export type Partition = 'aws' | 'acs';

export interface AccessEntrySpec {
  readonly principalArn: string;
  readonly kubernetesGroups: readonly string[];
  /** Absent: the default for the principal's kind (see `defaultUsername`). */
  readonly username?: string;
}

export interface AccessEntry extends AccessEntrySpec {
  /** The account of the cluster. */
  readonly account: string;
  readonly cluster: string;
  /** The document name in `gatehouse apply` (a slug of the principal ARN when created from the CLI). */
  readonly name: string;
  /**
   * The unique id (`AIDA…`, `AROA…`) of the user or role the entry was made for, as EKS ties an entry to the
   * principal's id: a principal deleted and created again under the ARN does not inherit the entry (review I, S7).
   * Absent on entries stored before ids were recorded, which match by ARN alone.
   */
  readonly principalId?: string;
  readonly created: string;
  readonly modified: string;
}

/** What an access entry's principal is, read from its ARN. */
export interface EntryPrincipal {
  readonly kind: 'user' | 'role';
  readonly partition: Partition;
  readonly account: string;
  /** The last path segment: the user or role name. */
  readonly name: string;
}

const AWS_PRINCIPAL = /^arn:aws[a-z-]*:iam::(\d{12}):(user|role)(\/(?:[\u0021-\u007E]*\/)?)([\w+=,.@-]{1,128})$/;
const ACS_PRINCIPAL = /^acs:ram::(\d{1,20}):(user|role)\/([\w+=,.@-]{1,128})$/;

export function entryPrincipal(arn: string): EntryPrincipal | undefined {
  let m = AWS_PRINCIPAL.exec(arn);
  if (m) return { kind: m[2] as 'user' | 'role', partition: 'aws', account: m[1] as string, name: m[4] as string };
  m = ACS_PRINCIPAL.exec(arn);
  if (m) return { kind: m[2] as 'user' | 'role', partition: 'acs', account: m[1] as string, name: m[3] as string };
  return undefined;
}

/** Kubernetes reserves `system:`; EKS refuses it in access entries' groups and usernames, and so do we. */
const RESERVED = /^system:/i;

/**
 * The prefixes EKS refuses at the start of an access entry's username: "The username can't start with system:, eks:,
 * aws:, amazon:, or iam:" (EKS user guide, "Set a custom username for EKS access entries"). Besides Kubernetes' own
 * `system:`, they name the platform's identities, which an EKS-based cluster's bootstrap RBAC binds (User
 * `eks:addon-manager` to cluster-admin; review mn, 3).
 */
export const RESERVED_USERNAME_PREFIXES = ['system:', 'eks:', 'aws:', 'amazon:', 'iam:'] as const;
const RESERVED_USERNAME = /^(?:system|eks|aws|amazon|iam):/i;

/**
 * Is `name` a username an access entry may not give (`system:…`, `eks:…`, `aws:…`, `amazon:…`, `iam:…`)? Checked on a
 * template when an entry is made, and on the username it renders for each caller: `{{SessionName}}:x` is a fine
 * template that renders `system:x` (or `eks:x`) for a session the assumer named `system` (`eks`) (reviews R, R4; mn, 3).
 */
export function isReservedName(name: string): boolean {
  return RESERVED_USERNAME.test(name);
}
const GROUP_RE = /^[^\s]{1,255}$/;
const TEMPLATE_RE = /\{\{([A-Za-z]+)\}\}/g;
const TEMPLATES = new Set(['AccountID', 'SessionName', 'SessionNameRaw', 'AccessKeyID']);
export const MAX_GROUPS = 100;

type Obj = Record<string, unknown>;
const own = (o: Obj, k: string): unknown => (Object.hasOwn(o, k) ? o[k] : undefined);

/** Validates `{principalArn, kubernetesGroups, username}`; errors name the field (under `path`). */
export function parseAccessEntrySpec(spec: Obj, path = 'spec'): Result<AccessEntrySpec> {
  const at = (k: string): string => (path === '' ? k : `${path}.${k}`);
  const arn = own(spec, 'principalArn');
  if (typeof arn !== 'string' || arn === '') return failWith('VALIDATION_ERROR', '`principalArn` is required: the ARN of an IAM user or role (`arn:aws:iam::111122223333:role/ScientistUserRole`)', at('principalArn'));
  if (!entryPrincipal(arn)) return failWith('VALIDATION_ERROR', `\`principalArn\` must be the ARN of a user or role (\`arn:aws:iam::ACCOUNT:role/NAME\`, \`acs:ram::ACCOUNT:user/NAME\`), got \`${shortName(arn)}\``, at('principalArn'));
  const rawGroups = own(spec, 'kubernetesGroups') ?? [];
  let groupsValue: unknown = rawGroups;
  // The CLI passes the list as JSON text, as `aws eks create-access-entry --kubernetes-groups '["a","b"]'` does.
  if (typeof rawGroups === 'string') {
    try {
      groupsValue = JSON.parse(rawGroups);
    } catch (e) {
      // Text that opens a JSON list but is not one is a mistake, not group names: `'["a",'` split at commas made `["a"`.
      if (rawGroups.trim().startsWith('[')) return failWith('VALIDATION_ERROR', `\`kubernetesGroups\` starts as a JSON list but is not one (${e instanceof Error ? e.message : String(e)}); give ["g1","g2"] or g1,g2`, at('kubernetesGroups'));
      groupsValue = rawGroups.split(',').map((g) => g.trim()).filter((g) => g !== '');
    }
  }
  if (!Array.isArray(groupsValue)) return failWith('VALIDATION_ERROR', '`kubernetesGroups` must be a list of group names', at('kubernetesGroups'));
  // A set, and refused at the first group past the bound: `groups.includes` for each of 200,000 distinct names (1.9 MB,
  // from any caller, before any permission is checked) held the event loop 30 s (review fd, 4).
  const groups = new Set<string>();
  for (const [i, g] of groupsValue.entries()) {
    if (typeof g !== 'string' || !GROUP_RE.test(g)) return failWith('VALIDATION_ERROR', 'a Kubernetes group is a non-empty name without spaces', `${at('kubernetesGroups')}[${i}]`);
    if (RESERVED.test(g)) return failWith('VALIDATION_ERROR', `group \`${g}\` starts with \`system:\`, which Kubernetes reserves; bind RBAC roles to a group of your own instead`, `${at('kubernetesGroups')}[${i}]`);
    groups.add(g);
    if (groups.size > MAX_GROUPS) return failWith('LIMIT_EXCEEDED', `an access entry has at most ${MAX_GROUPS} groups`, at('kubernetesGroups'));
  }
  const username = own(spec, 'username');
  if (username !== undefined && username !== null) {
    if (typeof username !== 'string' || username === '' || username.length > 512) return failWith('VALIDATION_ERROR', '`username` must be 1–512 characters', at('username'));
    const reserved = RESERVED_USERNAME.exec(username)?.[0];
    if (reserved !== undefined) {
      return failWith('VALIDATION_ERROR', `username \`${username}\` starts with \`${reserved}\`; Kubernetes and EKS reserve usernames starting with ${RESERVED_USERNAME_PREFIXES.map((x) => `\`${x}\``).join(', ')}: give a name of your own`, at('username'));
    }
    for (const m of username.matchAll(TEMPLATE_RE)) {
      if (!TEMPLATES.has(m[1] as string)) return failWith('VALIDATION_ERROR', `unknown template \`{{${m[1]}}}\` in \`username\`; use {{AccountID}}, {{SessionName}}, {{SessionNameRaw}} or {{AccessKeyID}}`, at('username'));
    }
    return ok({ principalArn: arn, kubernetesGroups: [...groups], username });
  }
  return ok({ principalArn: arn, kubernetesGroups: [...groups] });
}

/** The username an entry gives when it names none (DESIGN.md "Kubernetes webhooks"). */
export function defaultUsername(principalArn: string): string {
  const p = entryPrincipal(principalArn);
  if (!p || p.kind === 'user') return principalArn;
  return p.partition === 'acs' ? `acs:ram::${p.account}:role/${p.name}/{{SessionName}}` : `arn:aws:sts::${p.account}:assumed-role/${p.name}/{{SessionName}}`;
}

export interface UsernameFacts {
  readonly accountId: string;
  /** The session name; for a user's own keys, the user name. */
  readonly sessionName: string;
  readonly accessKeyId: string;
}

/**
 * The username a template gives. `{{SessionName}}` is the session name with every `@` replaced by `-`, as EKS and
 * aws-iam-authenticator render it (an SSO session named `alice@example.com` is `…/alice-example.com`, the name RBAC
 * bindings written for EKS use); `{{SessionNameRaw}}` keeps it as it is (review ce, 1).
 */
export function renderUsername(template: string, facts: UsernameFacts): string {
  return template.replace(TEMPLATE_RE, (whole, name: string) => {
    if (name === 'AccountID') return facts.accountId;
    if (name === 'SessionName') return facts.sessionName.replaceAll('@', '-');
    if (name === 'SessionNameRaw') return facts.sessionName;
    if (name === 'AccessKeyID') return facts.accessKeyId;
    return whole;
  });
}

/** Session names `sessionNamesRendering` lists at most for one rendered name. */
export const MAX_SESSION_SPELLINGS = 32;

/**
 * The session names that `{{SessionName}}` renders as `rendered` (review ne, 2): it writes each `@` as `-`, so each `-`
 * of `rendered` is a `-` or an `@` of the name (an SSO session named `alice@example.com` renders `alice-example.com`).
 * The name as rendered first, then those with one `@`, two…, at most `max` (2 ** dashes in all, past it).
 */
export function sessionNamesRendering(rendered: string, max = MAX_SESSION_SPELLINGS): string[] {
  const dashes: number[] = [];
  for (let i = 0; i < rendered.length; i++) if (rendered[i] === '-') dashes.push(i);
  const out: string[] = [];
  // By the number of `@` (k), each set of k dashes in order: the likeliest spellings (none, one `@`) first.
  const choose = (k: number, from: number, picked: number[]): void => {
    if (out.length >= max) return;
    if (picked.length === k) {
      const chars = [...rendered];
      for (const i of picked) chars[i] = '@';
      out.push(chars.join(''));
      return;
    }
    for (let j = from; j < dashes.length && out.length < max; j++) choose(k, j + 1, [...picked, dashes[j] as number]);
  };
  for (let k = 0; k <= dashes.length && out.length < max; k++) choose(k, 0, []);
  return out;
}

/** A template's parts: literal text, or a placeholder `usernameMatch` reads (`acct`, `sess`, `key`). */
type TemplatePart = string | { readonly kind: 'acct' | 'sess' | 'key' };

/** Parsed `usernameMatch` templates, by template. */
const templateParts = new Map<string, readonly TemplatePart[]>();

function partsOf(template: string): readonly TemplatePart[] {
  let parts = templateParts.get(template);
  if (parts !== undefined) return parts;
  const out: TemplatePart[] = [];
  let last = 0;
  const literal = (text: string): void => {
    if (text === '') return;
    const prev = out[out.length - 1];
    if (typeof prev === 'string') out[out.length - 1] = prev + text;
    else out.push(text);
  };
  for (const m of template.matchAll(TEMPLATE_RE)) {
    literal(template.slice(last, m.index));
    last = m.index + m[0].length;
    const name = m[1] as string;
    if (name === 'AccountID') out.push({ kind: 'acct' });
    else if (name === 'SessionName' || name === 'SessionNameRaw') out.push({ kind: 'sess' });
    else if (name === 'AccessKeyID') out.push({ kind: 'key' });
    else literal(m[0]);
  }
  literal(template.slice(last));
  if (templateParts.size >= 4096) templateParts.clear();
  templateParts.set(template, (parts = out));
  return parts;
}

/** A RoleSessionName's character (`[\w+=,.@-]`), an access key id's (`[A-Za-z0-9.]`), a digit. */
const SESSION_CHAR = /^[\w+=,.@-]$/;
const isSessionChar = (c: string): boolean => SESSION_CHAR.test(c);
const isKeyChar = (c: string): boolean => (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c === '.';
const isDigit = (c: string): boolean => c >= '0' && c <= '9';

/**
 * The most steps `usernameMatch` takes for one username: a template of several placeholders (`{{AccessKeyID}}` four
 * times) against a long username that almost matches was a backtracking regular expression of minutes (review vo's
 * lead), the server's thread held for every review of an impersonated user. Matched with its failures remembered, a
 * template of a few placeholders takes a few thousand steps; past this bound the username is taken as not rendered
 * by the template (no principal is found for it: the review is not allowed through it).
 */
const MAX_MATCH_STEPS = 200_000;

/**
 * Whether `template` renders `username` for a principal of account `accountId`, and with which session name when the
 * template holds one (`{{SessionName}}`, `{{SessionNameRaw}}`; an `{{AccessKeyID}}` stands for any key): the inverse of
 * `renderUsername`, for a review of an impersonated user, which carries the username alone (review ia, 6).
 *
 * What `^…$` with `(?<a>\d{12})`, `(?<s>[\w+=,.@-]{2,64})` (each repeat the same text) and `[A-Za-z0-9.]{1,128}` in
 * place of the placeholders would match, with the same session name (each placeholder tried longest first, as a
 * regular expression's greedy quantifier is), but searched with each failed state remembered, never backtracking
 * through the same state twice, and within MAX_MATCH_STEPS.
 */
export function usernameMatch(template: string, username: string, accountId: string): { readonly sessionName?: string } | undefined {
  if (username.length > 1024) return undefined;
  const parts = partsOf(template);
  const n = username.length;
  const failed = new Set<string>();
  let steps = 0;
  let found: string | undefined;
  let foundAcct: string | undefined;
  // Whether parts[i..] match username[pos..], the account and session name bound so far as given.
  const from = (i: number, pos: number, acct: string | undefined, sess: string | undefined): boolean => {
    if (++steps > MAX_MATCH_STEPS) return false;
    if (i === parts.length) {
      if (pos !== n) return false;
      found = sess;
      foundAcct = acct;
      return true;
    }
    const key = `${i}:${pos}:${acct ?? ''}:${sess ?? ''}`;
    if (failed.has(key)) return false;
    const part = parts[i] as TemplatePart;
    let ok = false;
    if (typeof part === 'string') ok = username.startsWith(part, pos) && from(i + 1, pos + part.length, acct, sess);
    else if (part.kind === 'acct') {
      if (acct !== undefined) ok = username.startsWith(acct, pos) && from(i + 1, pos + acct.length, acct, sess);
      else if (pos + 12 <= n) {
        let digits = true;
        for (let k = pos; k < pos + 12 && digits; k++) digits = isDigit(username[k] as string);
        ok = digits && from(i + 1, pos + 12, username.slice(pos, pos + 12), sess);
      }
    } else if (part.kind === 'sess' && sess !== undefined) ok = username.startsWith(sess, pos) && from(i + 1, pos + sess.length, acct, sess);
    else {
      const [min, max, allowed] = part.kind === 'sess' ? [2, 64, isSessionChar] : [1, 128, isKeyChar];
      let run = 0;
      while (run < max && pos + run < n && allowed(username[pos + run] as string)) run++;
      for (let len = run; len >= min && !ok; len--) ok = from(i + 1, pos + len, acct, part.kind === 'sess' ? username.slice(pos, pos + len) : sess);
    }
    if (!ok) failed.add(key);
    return ok;
  };
  if (!from(0, 0, undefined, undefined) || steps > MAX_MATCH_STEPS) return undefined;
  // The account the template's `{{AccountID}}` took in the match found must be the principal's.
  if (foundAcct !== undefined && foundAcct !== accountId) return undefined;
  return found !== undefined ? { sessionName: found } : {};
}

/**
 * Is `entry` the entry of the principal with unique id `id` (a user's id, or the role id of a role session)? An
 * entry made for a principal since deleted names another id; an entry without an id matches by ARN alone.
 */
export function entryMatchesId(entry: Pick<AccessEntry, 'principalId'>, id: string | undefined): boolean {
  return entry.principalId === undefined || entry.principalId === id;
}

/** The key an entry is found by: principal ARNs compare without case (IAM names are case-insensitive). */
export function entryKey(principalArn: string): string {
  return principalArn.toLowerCase();
}

/**
 * The ARNs an authenticated caller's entry may be filed under, most specific first: a user's ARN; for a role
 * session, the role's ARN with its path and without (EKS and aws-iam-authenticator match roles without path).
 */
export function entryCandidates(caller: { readonly partition: Partition; readonly account: string; readonly user?: { readonly name: string; readonly path: string }; readonly role?: { readonly name: string; readonly path: string } }): string[] {
  const { partition, account } = caller;
  if (caller.role) {
    const { name, path } = caller.role;
    if (partition === 'acs') return [`acs:ram::${account}:role/${name}`];
    return path === '/' ? [`arn:aws:iam::${account}:role/${name}`] : [`arn:aws:iam::${account}:role${path}${name}`, `arn:aws:iam::${account}:role/${name}`];
  }
  if (caller.user) {
    const { name, path } = caller.user;
    if (partition === 'acs') return [`acs:ram::${account}:user/${name}`];
    return path === '/' ? [`arn:aws:iam::${account}:user/${name}`] : [`arn:aws:iam::${account}:user${path}${name}`, `arn:aws:iam::${account}:user/${name}`];
  }
  return [];
}

/** A document name for an entry created without one: the principal ARN's characters that names allow. */
export function entryName(principalArn: string): string {
  const p = entryPrincipal(principalArn);
  const base = p ? `${p.kind}-${p.account}-${p.name}` : principalArn;
  return base.replace(/[^\w+=,.@-]/g, '-').slice(0, 128);
}
