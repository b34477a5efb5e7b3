/**
 * Account-wide reads of the IAM API that auditors and infrastructure tools call
 * (https://docs.aws.amazon.com/IAM/latest/APIReference/):
 *
 * - `ListEntitiesForPolicy`: the users, groups and roles a managed policy is attached to, or that use it as a
 *   permissions boundary (`PolicyUsageFilter`), optionally of one kind (`EntityFilter`) and under a path.
 * - `GetAccountSummary`: how many users, groups, roles, policies and providers the account holds, and the quotas
 *   Gatehouse enforces (src/core/directory/rules.ts). Features Gatehouse does not have (MFA devices, server
 *   certificates, instance profiles) are reported as none.
 * - `GenerateCredentialReport` and `GetCredentialReport`: the CSV of every user's credentials, with AWS's columns.
 *   Gatehouse users have no console password, MFA device or signing certificate, so those columns say `false` or
 *   `N/A`; access keys carry their status (`false` for every key of a disabled user: it opens nothing), creation
 *   and last use (src/app/key-use.ts). A report is kept in the store
 *   (any instance serves it) and, as in IAM, generated again only when the one kept is older than four hours; it
 *   expires after four hours. The account has no root user with keys of its own, so the `<root_account>` row of
 *   AWS's report is not there.
 *
 * - `ListAccountAliases`, `ListSAMLProviders`, `ListServerCertificates`, `GetAccountPasswordPolicy`: none is kept,
 *   answered as IAM answers an account without one (an empty list; NoSuchEntity).
 *
 * Each is authorized like any IAM action (`iam:`/`ram:` by partition) and changes nothing but the stored report.
 */
import { failWith, ok, type Result } from '../core/errors.ts';
import { arnTooLong, checkPath, checkPathPrefix, entityArn, shortName, QUOTAS, type Partition } from '../core/directory/rules.ts';
import type { AppDeps } from './deps.ts';
import { resourceTagContext, visiblePolicy } from './directory.ts';
import { PROVIDER_PREFIX } from './oidc.ts';
import { authorizeAdmin, type Caller } from './principals.ts';
import type { AccessKeyRecord, PrincipalRef } from './ports/store.ts';
import { DETAIL_FILTERS } from './simulate.ts';

/** How long a credential report is served, and how long before `GenerateCredentialReport` makes a new one. */
export const REPORT_LIFETIME_MS = 4 * 3600 * 1000;

/** IAM's default quotas of what Gatehouse keeps none of (or does not count against), as GetAccountSummary shows them. */
const SUMMARY_ONLY_QUOTAS = { policyVersionsInUse: 10000, signingCertificatesPerUser: 2, serverCertificates: 20, instanceProfiles: 1000 } as const;
const REPORT_KV = 'credential-report/';

export interface PolicyEntities {
  readonly users: readonly { readonly name: string; readonly id: string }[];
  readonly groups: readonly { readonly name: string; readonly id: string }[];
  readonly roles: readonly { readonly name: string; readonly id: string }[];
}

/** The report as kept: one row a user, its fields in `REPORT_COLUMNS` order. */
interface KeptReport {
  /** ISO 8601, whole seconds. */
  readonly generated: string;
  readonly rows: readonly (readonly string[])[];
}

export interface CredentialReport {
  readonly generated: string;
  /** IAM's CSV: the header, then a line a user. */
  readonly csv: string;
  /** The same rows by column name (`user`, `access_key_1_active`…). */
  readonly users: readonly Readonly<Record<string, string>>[];
}

/** The columns of IAM's credential report, in its order. */
export const REPORT_COLUMNS = [
  'user',
  'arn',
  'user_creation_time',
  'password_enabled',
  'password_last_used',
  'password_last_changed',
  'password_next_rotation',
  'mfa_active',
  'access_key_1_active',
  'access_key_1_last_rotated',
  'access_key_1_last_used_date',
  'access_key_1_last_used_region',
  'access_key_1_last_used_service',
  'access_key_2_active',
  'access_key_2_last_rotated',
  'access_key_2_last_used_date',
  'access_key_2_last_used_region',
  'access_key_2_last_used_service',
  'cert_1_active',
  'cert_1_last_rotated',
  'cert_2_active',
  'cert_2_last_rotated',
] as const;

/** A timestamp as the report writes it: `2024-05-01T12:00:00+00:00`. */
const reportTime = (iso: string): string => `${iso.replace(/\.\d+Z$/, 'Z').replace(/Z$/, '')}+00:00`;
/** A CSV field: quoted when it holds a comma, a quote or a line break (RFC 4180). */
const field = (s: string): string => (/[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

export function createAccountReports(deps: AppDeps, latestUse: (k: AccessKeyRecord) => AccessKeyRecord) {
  const now = (): number => deps.now();

  async function listEntitiesForPolicy(c: Caller, input: { policyArn: string; entityFilter?: string; usage?: string; pathPrefix?: string }): Promise<Result<PolicyEntities>> {
    // IAM's EntityType, the same values as GetAccountAuthorizationDetails' filter.
    if (input.entityFilter !== undefined && !(DETAIL_FILTERS as readonly string[]).includes(input.entityFilter)) return failWith('VALIDATION_ERROR', `1 validation error detected: Value '${shortName(input.entityFilter)}' at 'entityFilter' failed to satisfy constraint: Member must satisfy enum value set: [${DETAIL_FILTERS.join(', ')}]`, 'EntityFilter');
    if (input.usage !== undefined && input.usage !== 'PermissionsPolicy' && input.usage !== 'PermissionsBoundary') return failWith('VALIDATION_ERROR', `1 validation error detected: Value '${shortName(input.usage)}' at 'policyUsageFilter' failed to satisfy constraint: Member must satisfy enum value set: [PermissionsPolicy, PermissionsBoundary]`, 'PolicyUsageFilter');
    // IAM's bound before the decision: a longer PolicyArn was echoed in the AccessDenied and recorded twice (review iu, 1).
    const long = arnTooLong('PolicyArn', input.policyArn);
    if (long !== undefined) return failWith('VALIDATION_ERROR', long, 'PolicyArn');
    const badPrefix = checkPath(input.pathPrefix, 'PathPrefix');
    if (badPrefix) return failWith('VALIDATION_ERROR', badPrefix, 'PathPrefix');
    const prefix = input.pathPrefix ?? '/';
    // IAM filters the entities by their type: no user, group or role is a LocalManagedPolicy or an AWSManagedPolicy,
    // so those two values (valid, the enum being GetAccountAuthorizationDetails') list nothing, as AWS answers.
    const wants = (kind: 'User' | 'Group' | 'Role'): boolean => input.entityFilter === undefined || input.entityFilter === kind;
    return deps.store.read(async (tx): Promise<Result<PolicyEntities>> => {
      // RAM's system-policy ARN of a built-in names it (`acs:ram::system:policy/AdministratorAccess`), as it does for
      // Attach…Policy and GetPolicy (review fn, 4); it answered NoSuchEntity here, "nobody holds it" (review ln, 2).
      // So does an ARN in another case, as the directory resolves it (review rc, 3).
      const policy = await visiblePolicy(tx, c.account, input.policyArn);
      // Decided on the policy with its tags (aws:ResourceTag, iam:ResourceTag), as GetPolicy and the version calls are
      // (review q5): a Deny on a protected policy's tag held for those and not here, so its holder still read who the
      // policy is attached to (review fo, 1). On the ARN given when there is no such policy: the same refusal either way.
      const a = authorizeAdmin(c, now(), 'ListEntitiesForPolicy', policy?.arn ?? input.policyArn, resourceTagContext(policy?.tags));
      if (!a.ok) return a;
      if (!policy) return failWith('NO_SUCH_ENTITY', `Policy ${input.policyArn} does not exist or is not attachable.`);
      const users: { name: string; id: string; path: string }[] = [];
      const groups: { name: string; id: string; path: string }[] = [];
      const roles: { name: string; id: string; path: string }[] = [];
      if (input.usage !== 'PermissionsBoundary') {
        for (const at of await tx.attachments.listForPolicy(policy.arn)) {
          const ref: PrincipalRef = at.principal;
          if (ref.account !== c.account) continue;
          if (ref.type === 'user' && wants('User')) {
            const u = await tx.users.get(ref.account, ref.name);
            if (u) users.push({ name: u.name, id: u.id, path: u.path });
          } else if (ref.type === 'group' && wants('Group')) {
            const g = await tx.groups.get(ref.account, ref.name);
            if (g) groups.push({ name: g.name, id: g.id, path: g.path });
          } else if (ref.type === 'role' && wants('Role')) {
            const r = await tx.roles.get(ref.account, ref.name);
            if (r) roles.push({ name: r.name, id: r.id, path: r.path });
          }
        }
      }
      if (input.usage !== 'PermissionsPolicy') {
        if (wants('User')) for (const u of await tx.users.list(c.account)) if (u.permissionsBoundary === policy.arn) users.push({ name: u.name, id: u.id, path: u.path });
        if (wants('Role')) for (const r of await tx.roles.list(c.account)) if (r.permissionsBoundary === policy.arn) roles.push({ name: r.name, id: r.id, path: r.path });
      }
      const keep = <T extends { name: string; id: string; path: string }>(xs: T[]) => {
        const seen = new Set<string>();
        return xs
          .filter((x) => x.path.startsWith(prefix) && !seen.has(x.id) && seen.add(x.id))
          // By case-folded name, bytewise, as the store orders names: the listing's page keys (review fo, 3).
          .sort((x, y) => (x.name.toLowerCase() < y.name.toLowerCase() ? -1 : x.name.toLowerCase() > y.name.toLowerCase() ? 1 : 0))
          .map((x) => ({ name: x.name, id: x.id }));
      };
      return ok({ users: keep(users), groups: keep(groups), roles: keep(roles) });
    });
  }

  /**
   * GetAccountSummary answers every key of IAM's `summaryKeyType` (API reference, GetAccountSummary): tools read the
   * map by key (`SummaryMap['PolicyVersionsInUseQuota']` in boto3 is a KeyError when absent), and a quota beside its
   * count is how they compute headroom. The quotas of what Gatehouse keeps none of are IAM's defaults
   * (reference_iam-quotas.html); the root account has no password, and STS tokens are valid in every region (1).
   */
  async function getAccountSummary(c: Caller): Promise<Result<Record<string, number>>> {
    const a = authorizeAdmin(c, now(), 'GetAccountSummary', '*');
    if (!a.ok) return a;
    return deps.store.read(async (tx) => {
      const users = await tx.users.list(c.account);
      const policies = await tx.policies.list(c.account);
      return ok({
        Users: users.length,
        UsersQuota: QUOTAS.usersPerAccount,
        Groups: (await tx.groups.list(c.account)).length,
        GroupsQuota: QUOTAS.groupsPerAccount,
        Roles: (await tx.roles.list(c.account)).length,
        RolesQuota: QUOTAS.rolesPerAccount,
        Policies: policies.length,
        PoliciesQuota: QUOTAS.customerManagedPoliciesPerAccount,
        PolicyVersionsInUse: (await Promise.all(policies.map((p) => tx.policies.listVersions(p.arn)))).reduce((n, vs) => n + vs.length, 0),
        PolicyVersionsInUseQuota: SUMMARY_ONLY_QUOTAS.policyVersionsInUse,
        VersionsPerPolicyQuota: QUOTAS.policyVersions,
        PolicySizeQuota: QUOTAS.managedPolicySize,
        UserPolicySizeQuota: QUOTAS.inlineAggregate.user,
        GroupPolicySizeQuota: QUOTAS.inlineAggregate.group,
        RolePolicySizeQuota: QUOTAS.inlineAggregate.role,
        AssumeRolePolicySizeQuota: QUOTAS.trustPolicySize,
        AccessKeysPerUserQuota: QUOTAS.accessKeysPerUser,
        GroupsPerUserQuota: QUOTAS.groupsPerUser,
        AttachedPoliciesPerUserQuota: QUOTAS.managedPoliciesPerEntity,
        AttachedPoliciesPerGroupQuota: QUOTAS.managedPoliciesPerEntity,
        AttachedPoliciesPerRoleQuota: QUOTAS.managedPoliciesPerEntity,
        Providers: (await tx.kv.list(`${PROVIDER_PREFIX}${c.account}/`)).length,
        MFADevices: 0,
        MFADevicesInUse: 0,
        AccountMFAEnabled: 0,
        AccountAccessKeysPresent: 0,
        AccountSigningCertificatesPresent: 0,
        AccountPasswordPresent: 0,
        SigningCertificatesPerUserQuota: SUMMARY_ONLY_QUOTAS.signingCertificatesPerUser,
        ServerCertificates: 0,
        ServerCertificatesQuota: SUMMARY_ONLY_QUOTAS.serverCertificates,
        InstanceProfiles: 0,
        InstanceProfilesQuota: SUMMARY_ONLY_QUOTAS.instanceProfiles,
        GlobalEndpointTokenVersion: 1,
      });
    });
  }

  /**
   * A row a user of the account, with IAM's columns. `access_key_N_active` says whether the key opens requests now:
   * `true` for an Active key of a user who is not disabled. A disabled user's keys (`gatehouse users disable`) keep
   * their Active status, to work again when the user is enabled, but authenticate nothing meanwhile, so they are
   * `false` here (review J, j3: they showed `true`, and an auditor counting usable keys counted them); IAM has no
   * disabled users, so its `true` means the same thing. ListAccessKeys still shows each key's own status.
   */
  async function buildReport(account: string, partition: Partition): Promise<string[][]> {
    return deps.store.read(async (tx) => {
      const out: string[][] = [];
      for (const u of await tx.users.list(account)) {
        const keys = (await tx.accessKeys.listForUser(account, u.name)).map(latestUse).sort((x, y) => x.created.localeCompare(y.created));
        const key = (k: AccessKeyRecord | undefined): string[] =>
          k === undefined
            ? ['false', 'N/A', 'N/A', 'N/A', 'N/A']
            : [k.status === 'Active' && !u.disabled ? 'true' : 'false', reportTime(k.created), k.lastUsed ? reportTime(k.lastUsed.at) : 'N/A', k.lastUsed?.region ?? 'N/A', k.lastUsed?.service ?? 'N/A'];
        out.push([u.name, entityArn(partition, account, 'user', u.path, u.name), reportTime(u.created), 'false', 'N/A', 'N/A', 'N/A', 'false', ...key(keys[0]), ...key(keys[1]), 'false', 'N/A', 'false', 'N/A']);
      }
      return out;
    });
  }

  const stored = async (account: string): Promise<KeptReport | undefined> => {
    const v = await deps.store.read((tx) => tx.kv.get(`${REPORT_KV}${account}`));
    return v === undefined ? undefined : (JSON.parse(v) as KeptReport);
  };

  /** `State` and `Description` of IAM's answer: a new report when none is kept or it is older than four hours. */
  async function generateCredentialReport(c: Caller): Promise<Result<{ state: 'STARTED' | 'COMPLETE'; description: string }>> {
    const a = authorizeAdmin(c, now(), 'GenerateCredentialReport', '*');
    if (!a.ok) return a;
    const kept = await stored(c.account);
    if (kept && now() - Date.parse(kept.generated) < REPORT_LIFETIME_MS) return ok({ state: 'COMPLETE', description: `a report generated at ${kept.generated} is less than four hours old: it is the one GetCredentialReport returns` });
    const report: KeptReport = { generated: new Date(Math.floor(now() / 1000) * 1000).toISOString().replace(/\.000Z$/, 'Z'), rows: await buildReport(c.account, c.partition) };
    await deps.store.write((tx) => tx.kv.put(`${REPORT_KV}${c.account}`, JSON.stringify(report)));
    return ok({ state: 'COMPLETE', description: `report generated at ${report.generated}` });
  }

  async function getCredentialReport(c: Caller): Promise<Result<CredentialReport>> {
    const a = authorizeAdmin(c, now(), 'GetCredentialReport', '*');
    if (!a.ok) return a;
    const kept = await stored(c.account);
    if (!kept) return failWith('REPORT_NOT_PRESENT', 'Credential report does not exist: call GenerateCredentialReport first.');
    if (now() - Date.parse(kept.generated) >= REPORT_LIFETIME_MS) return failWith('REPORT_EXPIRED', `The credential report generated at ${kept.generated} is more than four hours old: call GenerateCredentialReport.`);
    return ok({
      generated: kept.generated,
      csv: `${[[...REPORT_COLUMNS], ...kept.rows].map((r) => r.map(field).join(',')).join('\n')}\n`,
      users: kept.rows.map((r) => Object.fromEntries(REPORT_COLUMNS.map((col, i) => [col, r[i] ?? '']))),
    });
  }

  /**
   * ListAccountAliases, ListSAMLProviders, GetAccountPasswordPolicy: Gatehouse keeps no account alias, SAML provider or
   * password policy (its users have no console password), so each answers as IAM does for an account without one. They
   * are what auditing and inventory tools call first; InvalidAction stopped them (review cg, 3).
   */
  async function listAccountAliases(c: Caller): Promise<Result<readonly string[]>> {
    const a = authorizeAdmin(c, now(), 'ListAccountAliases', '*');
    return a.ok ? ok([]) : a;
  }

  async function listSamlProviders(c: Caller): Promise<Result<readonly never[]>> {
    const a = authorizeAdmin(c, now(), 'ListSAMLProviders', '*');
    return a.ok ? ok([]) : a;
  }

  /** ListServerCertificates: Gatehouse keeps no server certificate (TLS is the server's own `--tls-cert`). */
  async function listServerCertificates(c: Caller, input: { pathPrefix?: string } = {}): Promise<Result<readonly never[]>> {
    // Checked as IAM checks it, though nothing is listed: a typo answered "none" (review hw, 5).
    const bad = checkPathPrefix(input.pathPrefix);
    if (bad) return failWith('VALIDATION_ERROR', bad, 'PathPrefix');
    const a = authorizeAdmin(c, now(), 'ListServerCertificates', '*');
    return a.ok ? ok([]) : a;
  }

  async function getAccountPasswordPolicy(c: Caller): Promise<Result<never>> {
    const a = authorizeAdmin(c, now(), 'GetAccountPasswordPolicy', '*');
    return a.ok ? failWith('NO_SUCH_ENTITY', `The Password Policy with domain name ${c.account} cannot be found.`) : a;
  }

  /**
   * DeleteAccountPasswordPolicy, and GetSAMLProvider, DeleteSAMLProvider, UpdateSAMLProvider and a SAML provider's tags:
   * decided as IAM decides them (the account, the provider's ARN as given), then IAM's NoSuchEntity, saying none is
   * kept. They answered "Could not find operation …", and a destroy taking NoSuchEntity as "gone" failed (review kk, 3).
   */
  async function deleteAccountPasswordPolicy(c: Caller): Promise<Result<never>> {
    const a = authorizeAdmin(c, now(), 'DeleteAccountPasswordPolicy', '*');
    return a.ok ? failWith('NO_SUCH_ENTITY', `The account policy with name PasswordPolicy cannot be found: Gatehouse keeps no password policy (its users have no console password)`) : a;
  }

  async function noSamlProvider(c: Caller, input: { action: string; samlProviderArn: string }): Promise<Result<never>> {
    const arn = input.samlProviderArn;
    if (!/^(arn:aws[a-z-]*:iam::\d{12}|acs:ram::\d{1,20}):saml-provider\/[\w+=,.@-]{1,128}$/.test(arn)) {
      const form = c.partition === 'acs' ? 'acs:ram::<account>:saml-provider/<name>' : 'arn:aws:iam::<account>:saml-provider/<name>';
      return failWith('VALIDATION_ERROR', `SAMLProviderArn must be a SAML provider's ARN (${form}), got \`${shortName(arn)}\``, 'SAMLProviderArn');
    }
    const a = authorizeAdmin(c, now(), input.action, arn);
    return a.ok ? failWith('NO_SUCH_ENTITY', `SAML provider ${arn} cannot be found: Gatehouse keeps no SAML providers (it trusts OpenID Connect providers for web identity)`) : a;
  }

  return { listEntitiesForPolicy, getAccountSummary, generateCredentialReport, getCredentialReport, listAccountAliases, listSamlProviders, listServerCertificates, getAccountPasswordPolicy, deleteAccountPasswordPolicy, noSamlProvider };
}

export type AccountReports = ReturnType<typeof createAccountReports>;
