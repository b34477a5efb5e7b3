/**
 * Users and roles a policy names as its principal (review Z, finding 3). AWS refuses a trust policy or a resource
 * policy whose `Principal`/`NotPrincipal` names, by ARN, a user or role that does not exist (`MalformedPolicyDocument:
 * Invalid principal in policy: "AWS":"arn:aws:iam::123456789012:user/ghost"`; S3: `MalformedPolicy: Invalid principal in
 * policy`). Accepted, such a name would be a grant waiting for whoever later creates a user or role under it. Every door
 * that writes a trust or resource policy (the IAM API, `/v1`, `apply`, the S3 gateway) asks `unknownPrincipal` in its
 * write transaction.
 *
 * Checked: `AWS` ARNs `arn:<partition>:iam::<account>:user/…` and `…:role/…`, and `RAM` ARNs `acs:ram::<account>:user/…`
 * and `…:role/…`, of an account the directory holds; one of an account it does not hold is refused as well
 * (`accountMustExist`, which resource and trust policies set; review bx, 2 and cb, 4: a grant waiting for the tenant
 * later created under that id). Under `accountMustExist` the account that an account principal names must exist too
 * (review ey, 1): a root (`arn:aws:iam::A:root`, `acs:ram::A:root`), a bare account id or RAM uid (`"A"`), or a session
 * or federated user of the account (`arn:aws:sts::A:assumed-role/R/S`, `arn:aws:sts::A:federated-user/U`, RAM's
 * `acs:ram::A:role/R/S`, OSS's `arn:sts::A:assumed-role/R/S`); accepted, it let the admin of the account later created
 * under that id in (its root passes the identity side). Users and roles are checked first. A `Federated` SAML provider is
 * refused before them, whatever the options: Gatehouse keeps none (review rz, 2); so is a `Federated` OpenID Connect
 * provider the store does not hold (review uo, 1). Not checked: `*`, services, other federated principals (a provider's
 * domain name, `accounts.google.com`), unique ids, and the session's role and name. Names compare as IAM compares
 * them (case-insensitively); the path in the ARN is not compared, as the engine matches on the name. Policies already
 * stored are not checked again (they still load, and name nobody until the account exists).
 */
import { failWith, type Result } from '../core/errors.ts';
import { PROVIDER_ARN_RE, PROVIDER_PREFIX, providerKey } from './oidc-provider-keys.ts';
import type { ReadTx } from './ports/store.ts';

export interface NamedPrincipal {
  /** The value as written. */
  readonly value: string;
  /** `AWS` or `RAM`. */
  readonly key: string;
  /** JSON path of the value in the document (`Statement[0].Principal.AWS[1]`). */
  readonly path: string;
  readonly type: 'user' | 'role';
  readonly account: string;
  readonly name: string;
}

const AWS_USER_OR_ROLE = /^arn:aws[a-z-]*:iam::(\d{12}):(user|role)\/(?:.*\/)?([^/]+)$/;
const RAM_USER_OR_ROLE = /^acs:ram::(\d{1,20}):(user|role)\/(?:.*\/)?([^/]+)$/;
/**
 * A RAM role has no path: `acs:ram::A:role/R/S` is session S of role R (reference §A.2; src/core/iam/compile.ts reads it
 * so), a session ARN like `arn:aws:sts::A:assumed-role/R/S`, which is not checked (review ac, 8).
 */
const RAM_SESSION = /^acs:ram::\d{1,20}:role\/[^/]+\/./;
/** OSS's `arn:sts::A:assumed-role/R/*` names every session of role R: the role is checked as its ARN would be. */
const OSS_ROLE_SESSIONS = /^arn:sts::(\d{1,20}):assumed-role\/([^/]+)\/\*$/;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A policy document's statements (given as text or parsed) with their JSON paths; none when it is not an object. */
function statementsOf(document: unknown): [Record<string, unknown>, string][] {
  let doc: unknown = document;
  if (typeof document === 'string') {
    try {
      doc = JSON.parse(document);
    } catch {
      return [];
    }
  }
  if (!isObject(doc)) return [];
  const statements = doc['Statement'];
  const list: [unknown, string][] = Array.isArray(statements) ? statements.map((s, i) => [s, `Statement[${i}]`]) : [[statements, 'Statement']];
  return list.filter((e): e is [Record<string, unknown>, string] => isObject(e[0]));
}

/** Each string an `AWS` or `RAM` principal of `Principal` or `NotPrincipal` holds, with its key and JSON path. */
function principalValues(document: unknown): { key: string; value: string; path: string }[] {
  const out: { key: string; value: string; path: string }[] = [];
  for (const [s, sp] of statementsOf(document)) {
    for (const element of ['Principal', 'NotPrincipal']) {
      const raw = s[element];
      // An OSS bucket policy's plain list of principals holds the values of `RAM` (src/core/iam/parse.ts).
      const p = Array.isArray(raw) ? { RAM: raw } : raw;
      if (!isObject(p)) continue;
      // `CanonicalUser`: an account, by the id the S3 gateway answers as its canonical ID (compile.ts; policy review fs, 3).
      for (const key of ['AWS', 'RAM', 'CanonicalUser']) {
        const v = p[key];
        const at = Array.isArray(raw) ? `${sp}.${element}` : `${sp}.${element}.${key}`;
        const values: [unknown, string][] = Array.isArray(v) ? v.map((x, i) => [x, `${at}[${i}]`]) : [[v, at]];
        for (const [value, path] of values) if (typeof value === 'string') out.push({ key, value, path });
      }
    }
  }
  return out;
}

const SAML_PROVIDER = /^(?:arn:aws[a-z-]*:iam|acs:ram)::\d{1,20}:saml-provider\//i;

/**
 * The first `Federated` principal naming a SAML provider, which Gatehouse never holds (CreateSAMLProvider is refused,
 * review kk; AssumeRoleWithSAML is not served, review rh, 1). AWS requires the provider to exist before a trust policy
 * names it (IAM User Guide, "Create a role for SAML 2.0 federation"), so such a role was written for a federation that
 * could never reach it, with nothing said (review rz, 2).
 */
function samlProviderPrincipal(document: unknown): { value: string; path: string } | undefined {
  return federatedValues(document).find((f) => SAML_PROVIDER.test(f.value));
}

/** Each string a `Federated` principal of `Principal` or `NotPrincipal` holds, with its JSON path. */
function federatedValues(document: unknown): { value: string; path: string }[] {
  const out: { value: string; path: string }[] = [];
  for (const [s, sp] of statementsOf(document)) {
    for (const element of ['Principal', 'NotPrincipal']) {
      const p = s[element];
      if (!isObject(p)) continue;
      const v = p['Federated'];
      const at = `${sp}.${element}.Federated`;
      const values: [unknown, string][] = Array.isArray(v) ? v.map((x, i) => [x, `${at}[${i}]`]) : [[v, at]];
      for (const [value, path] of values) if (typeof value === 'string') out.push({ value, path });
    }
  }
  return out;
}

/**
 * The first `Federated` OpenID Connect provider (`arn:aws:iam::A:oidc-provider/<host/path>`, RAM's
 * `acs:ram::A:oidc-provider/<host/path>`) that the store does not hold, as `Invalid principal in policy` (review uo, 1).
 * AWS requires the provider to exist before a trust policy names it (IAM User Guide, "Create a role for OpenID Connect
 * federation", prerequisites) and refuses the policy otherwise. Accepted, the role was a grant waiting for whoever
 * registers that issuer URL: CreateOpenIDConnectProvider takes the issuer's keys inline (`JwksJson`), so its caller signs
 * the tokens the role trusts (review jb, 9). Found by its name exactly as registered (the host in lower case); a
 * provider whose name differs only in case is offered.
 */
async function unknownOidcProvider(tx: ReadTx, document: unknown): Promise<Result<never> | undefined> {
  for (const { value, path } of federatedValues(document)) {
    const m = PROVIDER_ARN_RE.exec(value);
    if (m === null) continue;
    const account = m[1] as string;
    const hostPath = m[2] as string;
    if ((await tx.kv.get(providerKey(account, hostPath))) !== undefined) continue;
    const prefix = `${PROVIDER_PREFIX}${account}/`;
    const near = (await tx.kv.list(prefix, { limit: 1000 })).map((e) => e.key.slice(prefix.length)).find((h) => h.toLowerCase() === hostPath.toLowerCase());
    const shown = hostPath.length > 80 ? `${hostPath.slice(0, 80)}…` : hostPath;
    return failWith(
      'POLICY_INVALID_PRINCIPAL',
      `Invalid principal in policy: "Federated":"${value.length > 256 ? `${value.slice(0, 256)}…` : value}" (account ${account} has no OIDC provider \`${shown}\`${near !== undefined ? ` (names match exactly: it has \`${near}\`)` : ''}: register it first, CreateOpenIDConnectProvider, or correct the account id or the provider's issuer host and path)`,
      path,
    );
  }
  return undefined;
}

/** The users and roles a policy document (JSON text or its parsed form) names by ARN in `Principal` or `NotPrincipal`. */
export function namedPrincipals(document: unknown): NamedPrincipal[] {
  const out: NamedPrincipal[] = [];
  for (const { key, value, path } of principalValues(document)) {
    if (key === 'CanonicalUser' || (key === 'RAM' && RAM_SESSION.test(value))) continue;
    const m = (key === 'AWS' ? AWS_USER_OR_ROLE : RAM_USER_OR_ROLE).exec(value);
    if (m) out.push({ value, key, path, type: m[2] as 'user' | 'role', account: m[1] as string, name: m[3] as string });
    const o = key === 'RAM' ? OSS_ROLE_SESSIONS.exec(value) : null;
    if (o) out.push({ value, key, path, type: 'role', account: o[1] as string, name: o[2] as string });
  }
  return out;
}

/**
 * The ARN by which a policy's `Principal` names the user or role of ARN `arn`: itself, or without its path when the path
 * holds `*` or `?`. IAM allows any printable ASCII in a path, but in a `Principal` those are a partial wildcard, which the
 * parser refuses; the engine matches a user or role principal by account and name whatever the path, so the pathless
 * ARN names the same one (reviews ph, 2 and 4).
 */
export function principalArnFor(arn: string): string {
  const m = /^(.*?:(?:user|role))(\/.*\/)([^/]+)$/.exec(arn);
  return m !== null && /[*?]/.test(m[2] as string) ? `${m[1] as string}/${m[3] as string}` : arn;
}

/** A principal naming an account as a whole or a session in it, not a user or role (review ey, 1). */
export interface NamedAccount {
  readonly value: string;
  readonly key: string;
  readonly path: string;
  readonly account: string;
}

/**
 * The engine (src/core/iam/compile.ts) takes any all-digit value as an account id, a root ARN as its account, and
 * matches sessions and federated users of the account by ARN; these are the forms that name an account's principals.
 */
const ACCOUNT_ID = /^(\d+)$/;
const AWS_ACCOUNT_ARN = /^arn:aws[a-z-]*:(?:iam::(\d{12}):root|sts::(\d{12}):(?:assumed-role|federated-user)\/.+)$/;
const RAM_ACCOUNT_ARN = /^acs:ram::(\d{1,20}):(?:root|role\/[^/]+\/.+)$/;
const OSS_SESSION = /^arn:sts::(\d{1,20}):assumed-role\/[^/]+\/.+$/;

/** The roots, account ids and sessions a policy document names in `Principal` or `NotPrincipal`, by the account they name. */
export function namedAccounts(document: unknown): NamedAccount[] {
  const out: NamedAccount[] = [];
  for (const { key, value, path } of principalValues(document)) {
    // Whatever the key, as the engine reads the values of both keys alike.
    const m = key === 'CanonicalUser' ? ACCOUNT_ID.exec(value) : (ACCOUNT_ID.exec(value) ?? AWS_ACCOUNT_ARN.exec(value) ?? RAM_ACCOUNT_ARN.exec(value) ?? OSS_SESSION.exec(value));
    const account = m?.[1] ?? m?.[2];
    if (account !== undefined) out.push({ value, key, path, account });
  }
  return out;
}

export interface PrincipalCheckOptions {
  /** Principals that exist by the time the policy takes effect though the store does not hold them yet (created in the same apply). */
  readonly created?: (type: 'user' | 'role', account: string, name: string) => boolean;
  /** Accounts that exist by then though the store does not hold them yet (created in the same apply). */
  readonly newAccount?: (account: string) => boolean;
  /**
   * A user or role of an account that does not exist is refused too (`Invalid principal in policy`, naming the
   * account), as AWS refuses it: resource and trust policies (review bx, 2; cb, 4); so is a root, account id or session
   * of such an account (review ey, 1). Without it, such a name is not looked up.
   */
  readonly accountMustExist?: boolean;
}

/** AWS's words for a principal that does not exist (`"AWS":"arn:…"`), and where it is. */
export function invalidPrincipalMessage(p: NamedPrincipal): string {
  return `Invalid principal in policy: "${p.key}":"${p.value}" (no ${p.type} \`${p.name}\` in account ${p.account})`;
}

/**
 * The first user or role the document names that does not exist, as a `POLICY_INVALID_PRINCIPAL` failure (the IAM API's
 * MalformedPolicyDocument) with its JSON path; undefined when every one exists. Read in `tx`.
 */
export async function unknownPrincipal(tx: ReadTx, document: unknown, options: PrincipalCheckOptions = {}): Promise<Result<never> | undefined> {
  const saml = samlProviderPrincipal(document);
  if (saml !== undefined) {
    return failWith('POLICY_INVALID_PRINCIPAL', `Invalid principal in policy: "Federated":"${saml.value}" (Gatehouse keeps no SAML providers, so none can assume through it: trust an OpenID Connect provider, \`${saml.value.startsWith('acs:') ? 'acs:ram::<account>' : 'arn:aws:iam::<account>'}:oidc-provider/<host/path>\`, with ${saml.value.startsWith('acs:') ? '`sts:AssumeRole` (AssumeRoleWithOIDC)' : '`sts:AssumeRoleWithWebIdentity`'})`, saml.path);
  }
  const provider = await unknownOidcProvider(tx, document);
  if (provider !== undefined) return provider;
  const accounts = new Map<string, boolean>();
  for (const p of namedPrincipals(document)) {
    if (options.created?.(p.type, p.account, p.name) === true) continue;
    let known = accounts.get(p.account);
    if (known === undefined) {
      known = options.newAccount?.(p.account) === true || (await tx.accounts.get(p.account)) !== undefined;
      accounts.set(p.account, known);
    }
    if (!known) {
      if (options.accountMustExist === true) return failWith('POLICY_INVALID_PRINCIPAL', `Invalid principal in policy: "${p.key}":"${p.value}" (no account ${p.account}: check the account id)`, p.path);
      continue;
    }
    const exists = options.newAccount?.(p.account) !== true && (p.type === 'user' ? await tx.users.get(p.account, p.name) : await tx.roles.get(p.account, p.name)) !== undefined;
    if (!exists) return failWith('POLICY_INVALID_PRINCIPAL', invalidPrincipalMessage(p), p.path);
  }
  if (options.accountMustExist !== true) return undefined;
  // The account a root, an account id or a session names (review ey, 1), after the users and roles.
  for (const p of namedAccounts(document)) {
    let known = accounts.get(p.account);
    if (known === undefined) {
      known = options.newAccount?.(p.account) === true || (await tx.accounts.get(p.account)) !== undefined;
      accounts.set(p.account, known);
    }
    if (!known) {
      return failWith(
        'POLICY_INVALID_PRINCIPAL',
        `Invalid principal in policy: "${p.key}":"${p.value}" (account ${p.account} does not exist: create it first, \`gatehouse accounts create --id ${p.account}\`, or fix the account id)`,
        p.path,
      );
    }
  }
  return undefined;
}
