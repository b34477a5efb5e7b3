/**
 * Principals, request context, and the global condition keys derived from them (reference §A.1.6, §A.1.8).
 */
import type { Result } from '../errors.ts';
import type { AuthzRequest, Context, Dialect, Principal, PrincipalKind } from './types.ts';
import type { KeyLookup } from './variables.ts';
import { accountOf } from './evaluate.ts';

const USER_RE = /^(arn:aws[a-z-]*):iam::(\d{12}):user\/(?:.*\/)?([^/]+)$/;
const ROOT_RE = /^(arn:aws[a-z-]*):iam::(\d{12}):root$/;
const ROLE_RE = /^(arn:aws[a-z-]*):iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/;
const SESSION_RE = /^(arn:aws[a-z-]*):sts::(\d{12}):assumed-role\/([^/]+)\/(.+)$/;
const FED_RE = /^(arn:aws[a-z-]*):sts::(\d{12}):federated-user\/(.+)$/;
const ACS_ROOT_RE = /^acs:ram::(\d{1,20}):root$/;
const ACS_USER_RE = /^acs:ram::(\d{1,20}):user\/(.+)$/;
const ACS_ROLE_RE = /^acs:ram::(\d{1,20}):role\/([^/]+)(?:\/(.+))?$/;
/**
 * Alibaba's GetCallerIdentity spelling of a RAM role session (`acs:ram::<uid>:assumed-role/<role>/<session>`), the same
 * session as `acs:ram::<uid>:role/<role>/<session>`, as STS reads it (src/core/sts/session.ts `parseSessionArn`): a
 * resource server that learnt its caller from GetCallerIdentity asked about it and was told it named no principal
 * (review gu, 2).
 */
const ACS_ASSUMED_RE = /^acs:ram::(\d{1,20}):assumed-role\/([^/]+)\/(.+)$/;
const SERVICE_RE = /^[a-z0-9-]+(\.[a-z0-9-]+)+$/i;

export interface PrincipalExtra {
  readonly userId?: string;
  readonly tags?: Readonly<Record<string, string>>;
  readonly session?: { readonly name?: string; readonly issuedAt: number; readonly sourceIdentity?: string };
  readonly roleArn?: string;
  readonly provider?: string;
}

/** Builds a principal from its ARN; see docs/engine-api.md for the accepted forms. */
export function principalFromArn(arn: string, extra: PrincipalExtra = {}): Result<Principal> {
  const build = (kind: PrincipalKind, partition: Dialect, account: string, principalArn: string, more: Partial<Principal> = {}): Result<Principal> => {
    const p: Principal = {
      kind,
      arn: principalArn,
      partition,
      account,
      ...more,
      ...(extra.userId !== undefined ? { userId: extra.userId } : {}),
      ...(extra.tags !== undefined ? { tags: extra.tags } : {}),
      ...(extra.provider !== undefined ? { provider: extra.provider } : {}),
    };
    return { ok: true, value: p };
  };
  const session = (name: string) => ({
    name: extra.session?.name ?? name,
    // 0 (the epoch): not known, for a principal named by ARN rather than one that presented its session token.
    issuedAt: extra.session?.issuedAt ?? 0,
    ...(extra.session?.sourceIdentity !== undefined ? { sourceIdentity: extra.session.sourceIdentity } : {}),
  });
  let m: RegExpExecArray | null;
  if (arn === 'anonymous' || arn === '*') return build('anonymous', 'aws', '', 'anonymous');
  if ((m = ROOT_RE.exec(arn))) return build('root', 'aws', m[2] as string, arn);
  if ((m = USER_RE.exec(arn))) return build('user', 'aws', m[2] as string, arn);
  if ((m = SESSION_RE.exec(arn))) {
    const [, part, acct, role, name] = m as unknown as [string, string, string, string, string];
    return build('role-session', 'aws', acct, arn, { roleArn: extra.roleArn ?? `${part}:iam::${acct}:role/${role}`, session: session(name) });
  }
  if ((m = ROLE_RE.exec(arn))) {
    const [, part, acct, role] = m as unknown as [string, string, string, string];
    // With a session name given, that session: its ARN names it, as statements naming a session are matched against the
    // ARN. It stayed `…/session` while the name was read as the session's, so a Deny naming the session did not apply to
    // it (review qx, 3).
    const named = extra.session?.name;
    return build('role-session', 'aws', acct, `${part}:sts::${acct}:assumed-role/${role}/${named ?? 'session'}`, { roleArn: arn, session: session('session'), ...(named === undefined ? { anySession: true as const } : {}) });
  }
  if ((m = FED_RE.exec(arn))) return build('federated-user', 'aws', m[2] as string, arn, { session: session(m[3] as string) });
  if ((m = ACS_ROOT_RE.exec(arn))) return build('root', 'acs', m[1] as string, arn);
  if ((m = ACS_USER_RE.exec(arn))) return build('user', 'acs', m[1] as string, arn);
  if ((m = ACS_ROLE_RE.exec(arn) ?? ACS_ASSUMED_RE.exec(arn))) {
    const [, acct, role, name] = m as unknown as [string, string, string, string | undefined];
    const roleArn = `acs:ram::${acct}:role/${role}`;
    const sessionName = name ?? extra.session?.name ?? 'session';
    return build('role-session', 'acs', acct, `${roleArn}/${sessionName}`, { roleArn: extra.roleArn ?? roleArn, session: session(sessionName), ...(name === undefined && extra.session?.name === undefined ? { anySession: true as const } : {}) });
  }
  if (SERVICE_RE.test(arn)) return build('service', arn.endsWith('.aliyuncs.com') ? 'acs' : 'aws', '', arn.toLowerCase());
  const account = accountSlip(arn);
  return {
    ok: false,
    errors: [{ code: 'REQUEST_INVALID_PRINCIPAL', message: `\`${arn}\` is not a principal ARN: ${account !== undefined ? `${account}; ` : ''}use ${PRINCIPAL_FORMS}`, path: 'principal' }],
  };
}

/** Every form `principalFromArn` takes, as its refusal lists them. */
const PRINCIPAL_FORMS =
  'arn:aws:iam::<account>:user/<name>, arn:aws:iam::<account>:role/<name>, arn:aws:iam::<account>:root, arn:aws:sts::<account>:assumed-role/<role>/<session>, arn:aws:sts::<account>:federated-user/<name>, acs:ram::<account>:user/<name>, acs:ram::<account>:role/<role>[/<session>], acs:ram::<account>:assumed-role/<role>/<session> (an AWS <account> is 12 digits), a service name or `anonymous`';

/** An IAM or STS principal ARN of a known form but for its account id (`arn:aws:iam::0000000000:user/alice`). */
const AWS_SHAPE_RE = /^arn:aws[a-z-]*:(?:iam::([^:]*):(user(?=\/)|role(?=\/)|root$)|sts::([^:]*):(assumed-role(?=\/[^/]+\/.)|federated-user(?=\/.)))/;

/**
 * What is wrong with an ARN shaped as an AWS principal's, or undefined: its account id (a zero too few in the tour's
 * 000000000000 was refused with the very form the user believed they had typed, review hy, 1), or a trailing `/`.
 */
function accountSlip(arn: string): string | undefined {
  const m = AWS_SHAPE_RE.exec(arn);
  if (!m) return undefined;
  const account = m[1] ?? m[3] ?? '';
  const kind = m[2] ?? m[4] ?? '';
  if (account === '') return `it names no account id (12 digits, between \`::\` and \`:${kind}\`)`;
  // The account is right: what is wrong follows it. A user's or role's ARN ends in its name (review jk, 3: `user/` and
  // `role/trainer/` were told that their 12-digit account id "has 12 digits: an account id has 12").
  if (/^\d{12}$/.test(account)) return arn.endsWith('/') ? `it ends in \`/\`, where a ${kind}'s ARN ends in its name (\`…:${kind}/<path/>name\`)` : undefined;
  if (/^\d+$/.test(account)) return `its account id \`${account}\` has ${account.length} digits: an account id has 12`;
  return `its account id \`${account}\` is not 12 digits`;
}

/** Request context from a plain object: keys lowercased, values stringified into lists. */
export function contextOf(obj: Readonly<Record<string, unknown>> | undefined): Context {
  const map = new Map<string, string[]>();
  if (!obj) return map;
  for (const [k, v] of Object.entries(obj)) {
    const list = Array.isArray(v) ? v : [v];
    const key = k.toLowerCase();
    const prev = map.get(key) ?? [];
    for (const x of list) if (x !== undefined && x !== null) prev.push(String(x));
    map.set(key, prev);
  }
  return map;
}

/** `YYYY-MM-DDTHH:MM:SSZ`, the wire form every SDK accepts. */
export function isoSeconds(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

function lastSegment(arn: string): string {
  return arn.slice(arn.lastIndexOf('/') + 1);
}

function principalType(p: Principal): string {
  switch (p.kind) {
    case 'root':
      return 'Account';
    case 'user':
      return 'User';
    case 'role-session':
      return 'AssumedRole';
    case 'federated-user':
      return 'FederatedUser';
    case 'web-identity':
      return 'WebIdentityUser';
    case 'service':
      return 'Service';
    case 'anonymous':
      return 'Anonymous';
  }
}

const OIDC_PROVIDER_MARK = ':oidc-provider/';

/**
 * The subject key, lowercased, of an IAM OIDC provider's ARN (`arn:aws:iam::A:oidc-provider/<host/path>` →
 * `<host/path>:sub`), as the trust policy names it; undefined for any other ARN.
 */
function webIdentitySubKey(providerArn: string): string | undefined {
  const at = providerArn.indexOf(OIDC_PROVIDER_MARK);
  // Either dialect's ARN (review rh, 4): an `acs` account's provider is `acs:ram::…` whichever call opened the session,
  // AssumeRoleWithWebIdentity's included, so its sessions never carried the key and a Deny on it never applied.
  if (!(providerArn.startsWith('arn:') || providerArn.startsWith('acs:ram:')) || at < 0) return undefined;
  return `${providerArn.slice(at + OIDC_PROVIDER_MARK.length).toLowerCase()}:sub`;
}

/** A key derived from the principal or the request; `aws:` form, lowercased. */
function derived(req: AuthzRequest, key: string): readonly string[] | undefined {
  const p = req.principal;
  switch (key) {
    case 'aws:principalarn':
      if (p.kind === 'anonymous' || p.kind === 'service' || p.anyMember === true) return undefined;
      return [p.kind === 'role-session' && p.roleArn ? p.roleArn : p.arn];
    case 'aws:principalaccount':
      return p.kind === 'anonymous' ? ['anonymous'] : p.account ? [p.account] : undefined;
    case 'aws:principaltype':
      return [principalType(p)];
    // Present in every signed request: `true` for a service principal, `false` for every other (reference_policies_
    // condition-keys, aws:PrincipalIsAWSService). Resource policies deny "everyone else" on `Bool … false` and carve
    // services out with `BoolIfExists … false`: absent, the first never applied and the second denied services too
    // (review ax, 1). An anonymous request is unsigned: no value.
    case 'aws:principalisawsservice':
      return p.kind === 'anonymous' ? undefined : [p.kind === 'service' ? 'true' : 'false'];
    // In every request, `false`: `true` only when an AWS service calls with the principal's credentials on its behalf
    // (forward access sessions), which nothing here does (reference_policies_condition-keys, aws:ViaAWSService: "always
    // included in the request context"). AWS's source-IP Deny pairs `NotIpAddress aws:SourceIp` with `Bool
    // aws:ViaAWSService false`: absent, that `Bool` never held and the Deny never applied (review gj, 3).
    case 'aws:viaawsservice':
      return ['false'];
    // The service principal's name, for a request a service makes; absent for any other principal.
    case 'aws:principalservicename':
    case 'aws:principalservicenameslist':
      return p.kind === 'service' ? [p.arn] : undefined;
    case 'aws:userid':
      if (p.userId !== undefined) return [p.userId];
      if (p.anyMember === true) return undefined;
      if (p.kind === 'root') return [p.account];
      if (p.kind === 'anonymous') return ['anonymous'];
      if (p.kind === 'role-session' && p.roleArn && p.session) return [`${lastSegment(p.roleArn)}:${p.session.name}`];
      // GetFederationToken's user: `ACCOUNT:caller-specified-name`, what `${aws:userid}` per-user folders are built on
      // (its aws:username is absent; policy review CX1).
      if (p.kind === 'federated-user' && p.session) return [`${p.account}:${p.session.name}`];
      return [p.arn];
    case 'aws:username':
      return p.kind === 'user' && p.anyMember !== true ? [lastSegment(p.arn)] : undefined;
    case 'aws:sourceidentity':
      return p.session?.sourceIdentity !== undefined ? [p.session.sourceIdentity] : undefined;
    // The IAM OIDC provider a session was opened through (AssumeRoleWithWebIdentity), in every request the session makes,
    // as AWS sets it (global condition keys, aws:FederatedProvider); absent for any other principal, and for a session
    // assumed from such a session (AWS does not pass it along a chain). The exchange itself sets it in its own context.
    case 'aws:federatedprovider':
      return p.session?.federated !== undefined ? [p.session.federated.provider] : undefined;
    case 'aws:tokenissuetime':
      // A session named by ARN alone (the authorize API, a simulation) has no known issue time and counts as
      // issued at the earliest: a policy revoking sessions issued before a date denies it (fail closed). A session
      // that presented its token, or a Kubernetes user its token authenticated, carries its real issue time.
      return p.session ? [isoSeconds(p.session.issuedAt)] : undefined;
    case 'aws:multifactorauthpresent':
      // Gatehouse authenticates no MFA device. As in AWS, the key is present — `false` — for temporary credentials
      // (any session: AssumeRole, web identity, federation, GetSessionToken), and absent for long-term access keys,
      // where `BoolIfExists` is the documented way to deny them (reference §A.1.7–A.1.8). A session named by ARN
      // alone is still temporary credentials.
      return p.kind === 'role-session' || p.kind === 'federated-user' || p.kind === 'web-identity' || p.session !== undefined ? ['false'] : undefined;
    case 'aws:currenttime':
      return req.time !== undefined ? [isoSeconds(req.time)] : undefined;
    case 'aws:epochtime':
      return req.time !== undefined ? [String(Math.floor(req.time / 1000))] : undefined;
    // KMS sets it on every request it decides: the account of the principal calling (AWS KMS developer guide, "AWS KMS
    // condition keys", kms:CallerAccount). Key policies grant "everyone of this account" as `Principal: *` with it, and
    // guard a key with `StringNotEquals` on it: absent, the grant gave the account nothing and the guard denied it too
    // (review nc, 1). Only on `kms:` actions, as only KMS supplies it.
    case 'kms:calleraccount':
      return req.action.toLowerCase().startsWith('kms:') && p.kind !== 'anonymous' && p.kind !== 'service' && p.account !== '' ? [p.account] : undefined;
    case 'aws:resourceaccount': {
      // The account that owns the resource, as the decision takes it (src/core/iam/evaluate.ts): the request's, else
      // the ARN's. Absent when neither says (an S3 ARN of a bucket no one owns): a data perimeter then fails closed.
      const owner = req.resourceAccount ?? accountOf(req.resource);
      return owner !== undefined ? [owner] : undefined;
    }
  }
  if (key.startsWith('aws:principaltag/') && p.tags) {
    const tag = key.slice('aws:principaltag/'.length);
    for (const [k, v] of Object.entries(p.tags)) if (k.toLowerCase() === tag) return [v];
  }
  return undefined;
}

/**
 * RAM keys whose AWS counterpart has another name (reference §A.2, global keys): `acs:MFAPresent` is
 * `aws:MultiFactorAuthPresent`. Without it an `acs:` key read as `aws:MFAPresent`, which nothing sets, so RAM's MFA guard
 * (`Deny … Bool acs:MFAPresent false`) never applied (dialects review by, 1).
 */
const RAM_NAMES: ReadonlyMap<string, string> = new Map([['acs:mfapresent', 'aws:multifactorauthpresent']]);
const AWS_NAMES: ReadonlyMap<string, string> = new Map([...RAM_NAMES].map(([acs, aws]) => [aws, acs]));

/** The `aws:` form of a lowercased key (itself when it is one, or when it is of neither dialect). */
export function awsFormOf(key: string): string {
  return RAM_NAMES.get(key) ?? (key.startsWith('acs:') ? `aws:${key.slice(4)}` : key);
}

/**
 * RAM keys with no AWS counterpart: `acs:AccessId`, the AccessKey ID a request is signed with (RAM's common condition
 * keys). AWS documents no `aws:AccessId`, so neither spelling is read for the other: a policy naming `aws:AccessId`
 * sees it absent, as AWS would (review do, 1).
 */
const RAM_ONLY: ReadonlySet<string> = new Set(['accessid']);

/**
 * The other dialect's name of a lowercased condition key (`aws:sourceip` ⇄ `acs:sourceip`, `acs:mfapresent` ⇄
 * `aws:multifactorauthpresent`), which the engine reads for it; undefined for a key of neither dialect or of one alone
 * (`acs:accessid`). An edge taking a request context refuses the two names given different values (review ug, 1).
 */
export function counterpart(key: string): string | undefined {
  if (RAM_ONLY.has(key.slice(4))) return undefined;
  if (key.startsWith('aws:')) return AWS_NAMES.get(key) ?? `acs:${key.slice(4)}`;
  if (key.startsWith('acs:')) return awsFormOf(key);
  return undefined;
}

/**
 * Condition-key lookup for one request: the request context first (it overrides, as in simulation), then
 * the `aws:`/`acs:` counterpart in the context, then the derived keys.
 */
export function keyLookup(req: AuthzRequest): KeyLookup {
  const ctx = req.context;
  const fed = req.principal.session?.federated;
  const subKey = fed !== undefined ? webIdentitySubKey(fed.provider) : undefined;
  return (key) => {
    // The subject of the web identity token a session was opened with, as `<host/path>:sub` of its IAM OIDC provider, in
    // every request the session makes: AWS documents it for the role's permissions policy ("Identifying users with web
    // identity federation": per-user prefixes `${server.example.com:sub}`). Read in the trust policy only, it was absent
    // from the session's requests, so a Deny on it never applied (review it, 1). A fact of the session, which no context
    // overrides (the authorize API's asker included). Not along a chain, as `aws:FederatedProvider`. Sessions of an
    // `acs` account's provider carry it too, opened by either call (review rh, 4).
    if (subKey !== undefined && key === subKey && fed !== undefined) return [fed.sub];
    const own = ctx?.get(key);
    if (own !== undefined) return own;
    const other = counterpart(key);
    if (other !== undefined) {
      const v = ctx?.get(other);
      if (v !== undefined) return v;
    }
    return derived(req, awsFormOf(key));
  };
}
