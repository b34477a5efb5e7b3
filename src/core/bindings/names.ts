/**
 * The names of the bindings world (DESIGN.md "GCP-style names"): members, roles, permissions, the resources a
 * policy attaches to, and the attributes (`resource.type`, `resource.service`) a condition sees.
 */
import { attachmentWildcard } from '../iam/attach.ts';
import type { BindingsResource, ResourceLevel, ResourceName } from './types.ts';

export type MemberKind = 'user' | 'group' | 'serviceAccount' | 'principal' | 'allUsers' | 'allAuthenticatedUsers' | 'deleted';

/** The domain of service-account emails: `<role name>@<account>.iam.gatehouse.dev`. */
export const SERVICE_ACCOUNT_DOMAIN = 'iam.gatehouse.dev';

export const MAX_MEMBER_CHARS = 1024;

/** User and group names as the directory allows them (IAM's character set; emails fit). */
const NAME = /^[\w+=,.@-]{1,128}$/;
/**
 * A service account is a role: IAM role-name characters (`@` among them, as `serviceAccountOfArn` writes a session's),
 * up to 64, then `@` and the 12-digit account; the account is after the last `@` (review gx, 2: a role `ci@deploy` could
 * not be bound).
 */
const SERVICE_ACCOUNT = /^([\w+=,.@-]{1,64})@(\d{12})\.iam\.gatehouse\.dev$/;
/**
 * The one `principal://` form a Gatehouse principal carries (`federatedPrincipalUri`): another (GCP's pool URIs, a typo in
 * the account or the provider) names no principal and would grant nothing, silently; GCP refuses an identifier that
 * names no principal of an existing pool (review dl, 4).
 */
const PRINCIPAL_URI = /^principal:\/\/iam\.gatehouse\.dev\/accounts\/\d{12,20}\/oidc-providers\/[\x21-\x7e]+?\/subject\/[\x21-\x7e]+$/;
/**
 * What a member becomes when the user, group or role it named is deleted, as GCP writes it (policy-semantics.md §A.4,
 * Members): `deleted:user:NAME?uid=AIDA…`, `deleted:group:NAME?uid=AGPA…`,
 * `deleted:serviceAccount:ROLE@ACCOUNT.iam.gatehouse.dev?uid=AROA…`, with the unique id Gatehouse gave the entity
 * (src/core/directory/rules.ts `ID_PREFIX`). It matches no principal.
 */
const DELETED_MEMBER = /^deleted:(?:user:[\w+=,.@-]{1,128}\?uid=AIDA|group:[\w+=,.@-]{1,128}\?uid=AGPA|serviceAccount:[\w+=,.@-]{1,64}@\d{12}\.iam\.gatehouse\.dev\?uid=AROA)[A-Z2-7]{17}$/;

/**
 * The `principal://` URI of a federated identity: the subject `sub` of the OIDC provider `providerArn`
 * (`arn:aws:iam::ACCOUNT:oidc-provider/HOST/PATH`), as a session from `AssumeRoleWithWebIdentity` carries them.
 * Shaped as GCP's workforce and workload pool subjects (policy-semantics.md §A.4, Members), with the account and
 * the provider standing for the pool: `principal://iam.gatehouse.dev/accounts/ACCOUNT/oidc-providers/HOST/PATH/subject/SUB`.
 * Undefined for a provider ARN of another shape.
 */
export function federatedPrincipalUri(providerArn: string, sub: string): string | undefined {
  const m = /^(?:arn:aws:iam|acs:ram)::(\d{12,20}):oidc-provider\/(.+)$/.exec(providerArn);
  // A provider whose name holds `/subject/` has no URI of its own (review vg, 2): read at its first `/subject/`, the URI
  // of its subject `ci` is another provider's subject (`a/subject/b`'s `ci` is `a`'s `b/subject/ci`).
  if (m === null || (m[2] as string).includes(SUBJECT)) return undefined;
  return `principal://${SERVICE_ACCOUNT_DOMAIN}/accounts/${m[1] as string}/oidc-providers/${m[2] as string}${SUBJECT}${sub}`;
}

/** Where a `principal://` member's subject begins: its first occurrence (review vg, 2). */
const SUBJECT = '/subject/';

/** The prefix of every `principal://` member naming a subject of an OIDC provider of `account`. */
export function federatedPrincipalPrefix(account: string, hostPath: string): string {
  return `principal://${SERVICE_ACCOUNT_DOMAIN}/accounts/${account}/oidc-providers/${hostPath}/subject/`;
}

/**
 * The account and the OIDC provider (`HOST/PATH`, as its ARN ends) a `principal://` member names, for checking that the
 * provider exists; undefined for a member of another form. The provider ends at the first `/subject/`, the subject
 * being the rest (`/subject/` in it too), as GCP reads a pool's subject after its pool id, which holds no `/` (review
 * vg, 2): read at any `/subject/`, one member named two identities, `a`'s subject `b/subject/ci` and `a/subject/b`'s
 * `ci`, and a binding to one let the other in. `longer`: the providers it would name were it read at a later
 * `/subject/` (a provider whose name holds one, which no member names: `federatedPrincipalUri`), for the refusal.
 */
export function federatedPrincipalProviders(member: string): { readonly account: string; readonly hostPath: string; readonly longer: readonly string[] } | undefined {
  if (!PRINCIPAL_URI.test(member)) return undefined;
  const m = /^principal:\/\/iam\.gatehouse\.dev\/accounts\/(\d{12,20})\/oidc-providers\/(.+)$/.exec(member);
  if (m === null) return undefined;
  const rest = m[2] as string;
  const readings: string[] = [];
  for (let at = rest.indexOf(SUBJECT); at >= 0; at = rest.indexOf(SUBJECT, at + 1)) {
    if (at > 0 && at + SUBJECT.length < rest.length) readings.push(rest.slice(0, at));
  }
  const [hostPath, ...longer] = readings;
  return hostPath === undefined ? undefined : { account: m[1] as string, hostPath, longer };
}

const MEMBER_FORMS = '`user:NAME`, `group:NAME`, `serviceAccount:NAME@ACCOUNT.iam.gatehouse.dev`, `principal://…`, `allUsers` or `allAuthenticatedUsers`';

/** The kind of a member, or why it is not one. */
export function memberKind(member: string): { readonly ok: true; readonly kind: MemberKind } | { readonly ok: false; readonly message: string } {
  const shown = member.length > 80 ? `${member.slice(0, 80)}…` : member;
  const bad = (why: string): { ok: false; message: string } => ({ ok: false, message: `member \`${shown}\` ${why}` });
  if (member.length > MAX_MEMBER_CHARS) return bad(`is longer than ${MAX_MEMBER_CHARS} characters`);
  if (member === 'allUsers' || member === 'allAuthenticatedUsers') return { ok: true, kind: member };
  if (/^all(authenticated)?users$/i.test(member)) return bad(`is not a member; write \`${/auth/i.test(member) ? 'allAuthenticatedUsers' : 'allUsers'}\` (case matters)`);
  const colon = member.indexOf(':');
  const prefix = colon < 0 ? '' : member.slice(0, colon);
  const rest = member.slice(colon + 1);
  switch (prefix) {
    case 'user':
    case 'group':
      return NAME.test(rest) ? { ok: true, kind: prefix } : bad(`has an invalid ${prefix} name: use 1 to 128 letters, digits and \`+=,.@_-\``);
    case 'serviceAccount':
      return SERVICE_ACCOUNT.test(rest) ? { ok: true, kind: 'serviceAccount' } : bad(`is not \`serviceAccount:ROLE@ACCOUNT.${SERVICE_ACCOUNT_DOMAIN}\` with a role name and a 12-digit account id`);
    case 'principal':
      return PRINCIPAL_URI.test(member)
        ? { ok: true, kind: 'principal' }
        : bad(`is not \`principal://${SERVICE_ACCOUNT_DOMAIN}/accounts/ACCOUNT/oidc-providers/HOST/PATH/subject/SUB\` (printable characters, no spaces), the federated subject of an account's OIDC provider, the only \`principal://\` a Gatehouse principal carries: correct the account id, the provider (its ARN without \`arn:aws:iam::ACCOUNT:oidc-provider/\`) or the subject`);
    case 'principalSet':
      return bad('uses `principalSet://`, which Gatehouse does not support; bind the group (`group:NAME`) or each `principal://…`');
    case 'deleted':
      // Written by Gatehouse when the member's user, group or role is deleted; accepted back as it is, so a policy
      // read and written again (with its etag) still goes through.
      return DELETED_MEMBER.test(member) ? { ok: true, kind: 'deleted' } : bad('is not `deleted:user:NAME?uid=ID`, `deleted:group:NAME?uid=ID` or `deleted:serviceAccount:EMAIL?uid=ID` as Gatehouse writes it when a user, group or role is deleted');
    case 'domain':
    case 'projectOwner':
    case 'projectEditor':
    case 'projectViewer':
      return bad(`uses \`${prefix}:\`, which Gatehouse does not support; use ${MEMBER_FORMS}`);
    default:
      return bad(`is not one of ${MEMBER_FORMS}`);
  }
}

/**
 * Characters that print nothing or move text where they are shown: C0 and C1 controls and DEL, format characters
 * (bidi overrides such as U+202E, zero-width ones), line and paragraph separators, lone surrogates.
 */
const UNPRINTABLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/gu;

/**
 * The first character of `text` that a terminal or a page would not show as written (`UNPRINTABLE`), other than those
 * of `keep` (`"\n\t"`), with its offset and its `U+XXXX` name; undefined when there is none. What a policy shows —
 * a condition's title, description and expression, printed by `gatehouse iam-policy get` and named in every decision's
 * reason — must read as it is: an ESC sequence there could erase the `allUsers` line above it on an administrator's
 * terminal, a bidi override make an expression read otherwise than it evaluates (review aw, 2).
 */
export function unprintableIn(text: string, keep = ''): { readonly at: number; readonly name: string } | undefined {
  for (const m of text.matchAll(UNPRINTABLE)) {
    if (keep.includes(m[0])) continue;
    return { at: m.index, name: `U+${(m[0].codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}` };
  }
  return undefined;
}

/** The email of the service account that is role `roleName` of `account`. */
export function serviceAccountEmail(account: string, roleName: string): string {
  return `${roleName}@${account}.${SERVICE_ACCOUNT_DOMAIN}`;
}

/**
 * The service-account email of a role ARN (`arn:aws:iam::<acct>:role/[path/]name`, `acs:ram::<acct>:role/name`)
 * or of an assumed-role session ARN (`arn:aws:sts::<acct>:assumed-role/<role>/<session>`), else undefined.
 */
export function serviceAccountOfArn(arn: string): string | undefined {
  const role = /^(?:arn:aws[a-z-]*:iam|acs:ram)::(\d{12}):role\/(?:.*\/)?([\w+=,.@-]{1,64})$/.exec(arn);
  if (role !== null) return serviceAccountEmail(role[1] as string, role[2] as string);
  const session = /^arn:aws[a-z-]*:sts::(\d{12}):assumed-role\/([\w+=,.@-]{1,64})\/[^/]+$/.exec(arn);
  if (session !== null) return serviceAccountEmail(session[1] as string, session[2] as string);
  return undefined;
}

/** `roles/<name>`: predefined. */
export const PREDEFINED_ROLE = /^roles\/[A-Za-z][A-Za-z0-9_.]{0,63}$/;
/** `accounts/<id>/roles/<name>`: custom, as GCP's custom role ids (`[a-zA-Z0-9_.]{3,64}`). */
export const CUSTOM_ROLE = /^accounts\/(\d{12})\/roles\/([A-Za-z0-9_.]{3,64})$/;

/**
 * Why `role` is not a role name (`roleKind` undefined): what is wrong with it and what to write — a custom role id too
 * short or with another character, an account id that is not 12 digits, GCP's own custom role names
 * (`projects/<p>/roles/<id>`), a predefined name with a character no role has (review jl, 4).
 */
export function roleNameProblem(role: string): string {
  const shown = (s: string): string => (s.length > 80 ? `${s.slice(0, 80)}…` : s);
  const both = 'is not `roles/<name>` (predefined) or `accounts/<12-digit id>/roles/<name>` (custom)';
  const custom = /^accounts\/([^/]*)\/roles\/(.*)$/.exec(role);
  if (custom !== null) {
    const [, account, id] = custom as unknown as [string, string, string];
    if (!/^\d{12}$/.test(account)) return `role \`${shown(role)}\` names account \`${shown(account)}\`: a custom role is \`accounts/<12-digit id>/roles/<name>\`, with the 12-digit id of the policy's account`;
    return `role \`${shown(role)}\`: custom role id \`${shown(id)}\` must be 3 to 64 letters, digits, \`_\` and \`.\` (as GCP's custom role ids; no \`-\` or \`/\`)`;
  }
  const gcp = /^(?:projects|organizations)\/[^/]+\/roles\/([^/]+)$/.exec(role);
  if (gcp !== null) return `role \`${shown(role)}\` is GCP's name of a custom role: Gatehouse's are \`accounts/<12-digit id>/roles/${shown(gcp[1] as string)}\` (the policy's account), defined with \`kind: IamRole\``;
  if (role.startsWith('roles/')) return `role \`${shown(role)}\` is not a predefined role name: after \`roles/\`, a letter, then up to 63 letters, digits, \`_\` and \`.\` (such as \`roles/ml.developer\`)`;
  return `role \`${shown(role)}\` ${both}`;
}

export function roleKind(role: string): 'predefined' | 'custom' | undefined {
  return PREDEFINED_ROLE.test(role) ? 'predefined' : CUSTOM_ROLE.test(role) ? 'custom' : undefined;
}

/** The account of a custom role name. */
export function customRoleAccount(role: string): string | undefined {
  return CUSTOM_ROLE.exec(role)?.[1];
}

/** `service.resource.verb` (three or more dot-separated words, no wildcards): `storage.objects.get`. */
export const PERMISSION = /^[a-z][a-z0-9]*(\.[a-zA-Z][a-zA-Z0-9]*){2,}$/;

export const MAX_RESOURCE_CHARS = 2048;

/**
 * The most bytes of UTF-8 a resource a policy is written on may take: 2,048, the most a request's ARN may be, and short
 * enough that its store key (`iampolicy/arn/<ARN>`) fits PostgreSQL's B-tree (2,704 bytes an entry). Counted in
 * characters alone, 937 CJK characters (2,737 bytes) were taken by the SQLite store and refused by PostgreSQL's in its
 * own words, naming no field (review jf, 4), as resource policies' ARNs were before review ax, 4.
 */
export const MAX_RESOURCE_BYTES = 2048;

/** Why a policy with bindings cannot be written on `name` for its length in UTF-8, or undefined. */
export function resourceBytesProblem(name: string): string | undefined {
  const bytes = new TextEncoder().encode(name).length;
  if (bytes <= MAX_RESOURCE_BYTES) return undefined;
  const shown = name.length > 80 ? `${name.slice(0, 80)}…` : name;
  return `resource \`${shown}\` is ${name.length} characters, ${bytes} bytes in UTF-8; a resource an IAM policy is written on is at most ${MAX_RESOURCE_BYTES} bytes (2048 ASCII characters, the longest a request may name)`;
}

/** Parses what an IAM policy may attach to: an ARN, `account/<id>` or `workspace/<name>`. */
export function resourceLevel(name: string): ResourceName | { readonly error: string } {
  const shown = name.length > 80 ? `${name.slice(0, 80)}…` : name;
  if (name.length > MAX_RESOURCE_CHARS) return { error: `resource \`${shown}\` is longer than ${MAX_RESOURCE_CHARS} characters` };
  // What no store keeps as given (review jf, 3): NUL (SQLite cut the text at it, PostgreSQL refused it in words naming no
  // field), a lone surrogate (both stored U+FFFD, under another key than the policy's record named); other controls as
  // resource policies refuse them, since no request's ARN holds one.
  const control = /[\u0000-\u001f\u007f]/.exec(name);
  if (control) return { error: `resource \`${JSON.stringify(shown).slice(1, -1)}\` holds the control character U+${control[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')} at position ${control.index}, which no request's ARN holds` };
  if (!name.isWellFormed()) return { error: `resource \`${JSON.stringify(shown).slice(1, -1)}\` holds an unpaired UTF-16 surrogate (a \`\\ud800\`-style escape alone), which no store can keep` };
  let level: ResourceLevel | undefined;
  if (name.startsWith('account/')) level = /^account\/\d{12}$/.test(name) ? 'account' : undefined;
  else if (name.startsWith('workspace/')) level = NAME.test(name.slice('workspace/'.length)) ? 'workspace' : undefined;
  else if (/^arn:[^\s:]+:[^\s:]*:[^\s:]*:[^\s:]*:\S+$/.test(name) || /^acs:[^\s:]+:[^\s:]*:[^\s:]*:\S+$/.test(name)) level = 'resource';
  if (level === undefined) return { error: `resource \`${shown}\` is not an ARN, \`account/<12-digit id>\` or \`workspace/<name>\`` };
  return { name, level };
}

/**
 * Why a policy with bindings cannot attach to ARN `name` because of a wildcard, or undefined. A policy attaches to one
 * resource and covers what lies under it (found by the request's ARN and its `/`-prefixes, never matched as a
 * pattern): `arn:aws:s3:::data/*` would be a resource of that literal name that no request names, granting nothing,
 * silently. Only an OSS ARN's region and account may be `*`. The same rule as resource policies' (policy review C6).
 * Reading such a policy, or removing it, stays possible.
 */
export function wildcardResourceProblem(name: string): string | undefined {
  if (!name.startsWith('arn:') && !name.startsWith('acs:')) return undefined;
  const w = attachmentWildcard(name);
  if (w === undefined) return undefined;
  const { part } = w;
  const shown = name.length > 80 ? `${name.slice(0, 80)}…` : name;
  if (w.at === 'head') return `resource \`${shown}\` has a wildcard before its resource part, which IAM policies do not take: write its region and account out (only an OSS ARN may give \`*\` for them), or attach the policy to \`account/<id>\` for every resource of the account`;
  // The folder the wildcard sits in: `data/*` and `data/a?c` are under `data`.
  const under = `${name.slice(0, part)}${(name.slice(part).split(/[*?]/)[0] ?? '').replace(/\/?[^/]*$/, '')}`;
  const instead = under.length > part ? `\`${under.length > 80 ? `${under.slice(0, 80)}…` : under}\`, and it covers everything under it` : '`account/<id>` for every resource of the account';
  return `resource \`${shown}\` has a wildcard, which IAM policies do not take: attach the policy to ${instead}`;
}

/**
 * Why a policy with bindings cannot attach to ARN `name` because it ends with `/`, or undefined. A policy covers what
 * lies under its resource, found by the request's ARN and its `/`-prefixes, which never end with `/`: a policy on
 * `arn:aws:s3:::data/train/` governed only an object of that very name, not `arn:aws:s3:::data/train/x.csv`,
 * granting nothing, silently (review ai, 9; as `wildcardResourceProblem`). Reading or removing it stays possible.
 */
export function trailingSlashProblem(name: string): string | undefined {
  if ((!name.startsWith('arn:') && !name.startsWith('acs:')) || !name.endsWith('/')) return undefined;
  const under = name.replace(/\/+$/, '');
  const shown = (s: string): string => (s.length > 80 ? `${s.slice(0, 80)}…` : s);
  // `…:model/` is under the type `…:model`, which takes no policy (`resourceTypeProblem`): the account's covers every model.
  const type = RESOURCE_TYPE_ARN.exec(under);
  const instead = type === null ? `\`${shown(under)}\`, and it covers everything under it` : `\`${shown(under)}/<name>\` for one ${((type[2] ?? type[4]) as string).toLowerCase()}, or to \`account/${(type[1] ?? type[3]) as string}\` for every resource of the account`;
  return `resource \`${shown(name)}\` ends with \`/\`, and no request lies under it: attach the policy to ${instead}`;
}

/**
 * An ARN whose resource part is a resource type alone, of the types Gatehouse names its workspaces, clusters, jobs, models
 * (`arn:aws:training::A:cluster`, `acs:pai::A:model`) and IAM users, groups and roles (`arn:aws:iam::A:role`): the account,
 * and the type as written.
 */
const RESOURCE_TYPE_ARN = /^(?:(?:arn:aws[a-z-]*:training|acs:pai):[^:]*:([^:]*):(workspace|cluster|job|model)|(?:arn:aws[a-z-]*:iam|acs:ram):[^:]*:([^:]*):(user|group|role))$/i;

/**
 * Why a policy with bindings cannot attach to ARN `name` because it names a resource type, not a resource, or undefined.
 * An ARN's resource part is `type/id`: `arn:aws:training::A:cluster` is no cluster (GCP's `…/clusters` collection takes no
 * policy either), yet as the `/`-prefix of every cluster's ARN it was taken as their parent, so its bindings granted on
 * every cluster of the account, on those made later under any name, and outlived them all, past the check that a
 * cluster's policy needs the cluster (review is, 3); on an IAM type it governed nothing, an IAM entity's ARN having no
 * parent (review mk, 1). The account (`account/<id>`) is the level above every resource. Reading or removing it stays possible.
 */
export function resourceTypeProblem(name: string): string | undefined {
  const m = RESOURCE_TYPE_ARN.exec(name);
  if (m === null) return undefined;
  const account = (m[1] ?? m[3]) as string;
  const type = (m[2] ?? m[4]) as string;
  const shown = name.length > 80 ? `${name.slice(0, 80)}…` : name;
  const above = /^\d{12}$/.test(account) ? `\`account/${account}\`` : '`account/<id>`';
  return `resource \`${shown}\` is the resource type \`${type}\`, not a resource: attach the policy to the ARN of one ${type.toLowerCase()} (\`${shown}/<name>\`), or to ${above} for every resource of the account`;
}

/**
 * Why a policy with bindings cannot attach to an account's root ARN (`arn:aws:iam::A:root`, `acs:ram::A:root`), or
 * undefined. It is how AWS names the whole account in a `Principal`, but here a policy there is that one ARN's: nothing
 * lies under an IAM ARN and no request names it with a permission, so its bindings granted nothing, silently; the account
 * level is `account/<id>` (review mk, 4). Reading or removing it stays possible.
 */
export function rootArnProblem(name: string): string | undefined {
  const m = /^(?:arn:aws[a-z-]*:iam|acs:ram)::([^:]*):root$/.exec(name);
  if (m === null) return undefined;
  const account = m[1] as string;
  const shown = name.length > 80 ? `${name.slice(0, 80)}…` : name;
  const level = /^\d{12}$/.test(account) ? `\`account/${account}\`` : '`account/<12-digit id>`';
  return `resource \`${shown}\` is the account's root ARN, and a policy there governs that ARN alone, which no request names: attach the policy to ${level}, the account level, which covers every resource of the account`;
}

/**
 * Why a policy with bindings cannot attach to ARN `name` because it lies under a workspace's ARN
 * (`arn:aws:training::A:workspace/W/jobs`), or undefined. Nothing does: a workspace claims its own ARN and its default
 * bucket, its jobs, models and clusters sit under the account (`…:job/<id>`), so no request names such an ARN, and the
 * check that a workspace's policy needs the workspace read `…:workspace/W` alone: a policy there, on a workspace that
 * exists or not, granted nothing, silently (review qi, 5). Reading or removing it stays possible.
 */
export function underWorkspaceProblem(name: string): string | undefined {
  const m = /^((?:arn:[^:]*:training|acs:pai):[^:]*:[^:]*:workspace\/[^/]+)\/./s.exec(name);
  if (m === null) return undefined;
  const shown = name.length > 80 ? `${name.slice(0, 80)}…` : name;
  const own = m[1] as string;
  const ownShown = own.length > 80 ? `${own.slice(0, 80)}…` : own;
  return `resource \`${shown}\` lies under a workspace's ARN, and nothing does (a workspace's jobs, models and clusters are named under the account, \`…:job/<id>\`), so a policy there governs no request: attach it to the workspace's ARN, \`${ownShown}\``;
}

/** The resource types, by service, whose ARNs Gatehouse names its own users, groups, roles, workspaces, clusters, jobs and models by. */
const HELD_TYPES: Readonly<Record<string, readonly string[]>> = { iam: ['user', 'group', 'role'], ram: ['user', 'group', 'role'], training: ['workspace', 'cluster', 'job', 'model'], pai: ['workspace', 'cluster', 'job', 'model'], eks: ['cluster'] };

/**
 * Why a policy with bindings cannot attach to ARN `name` because its partition or service (`arn:AWS:…`, `arn:aws:IAM:…`,
 * `acs:RAM:…`), or the type of a user, group, role, workspace, cluster, job or model (`…:Role/trainer`,
 * `…:Workspace/ws`), is not in lower case, or undefined. Every request names them in lower case, as AWS and Alibaba Cloud
 * write them, and ARNs are matched with case: such a policy was taken as one on what Gatehouse does not hold, stored
 * without the check that the entity exists by its own ARN, and granted nothing (review qi, 3). Reading or removing it
 * stays possible.
 */
export function arnCaseProblem(name: string): string | undefined {
  const m = /^(arn:[^:]*:[^:]*:|acs:[^:]*:)([^:]*:[^:]*:)([^/]*)(.*)$/s.exec(name);
  if (m === null) return undefined;
  const [, head, middle, type, rest] = m as unknown as [string, string, string, string, string];
  const service = (name.startsWith('arn:') ? head.split(':')[2] : head.split(':')[1]) ?? '';
  const held = rest.startsWith('/') && (HELD_TYPES[service.toLowerCase()] ?? []).includes(type.toLowerCase());
  const own = `${head.toLowerCase()}${middle}${held ? type.toLowerCase() : type}${rest}`;
  if (own === name) return undefined;
  const shown = name.length > 80 ? `${name.slice(0, 80)}…` : name;
  const ownShown = own.length > 80 ? `${own.slice(0, 80)}…` : own;
  return `resource \`${shown}\` writes in capitals what ARNs write in lower case (their partition, service and resource type), as every request names them: a policy there governs no request; attach it to \`${ownShown}\``;
}

/** Every `resource.type` that `resourceAttributes` gives (a condition comparing it to another value is vacuous). */
export const RESOURCE_TYPES: readonly string[] = Object.freeze([
  'resourcemanager.gatehouse.dev/Account',
  'resourcemanager.gatehouse.dev/Workspace',
  'storage.gatehouse.dev/Bucket',
  'storage.gatehouse.dev/Object',
  'ml.gatehouse.dev/Job',
  'ml.gatehouse.dev/Model',
  'container.gatehouse.dev/Cluster',
  'iam.gatehouse.dev/ServiceAccount',
  'iam.gatehouse.dev/User',
  'iam.gatehouse.dev/Group',
]);

/** Every `resource.service` that `resourceAttributes` gives. */
export const RESOURCE_SERVICES: readonly string[] = Object.freeze([...new Set(RESOURCE_TYPES.map((t) => t.slice(0, t.indexOf('/'))))]);

/**
 * The `resource.service` and `resource.type` of a resource name, by the rule: the service is the prefix of its
 * permissions plus `.gatehouse.dev` (objects and buckets: `storage`; jobs and models: `ml`; clusters:
 * `container`; roles, users and groups: `iam`; accounts and workspaces: `resourcemanager`), and the type is
 * `<service>/<Kind>`, as GCP writes `storage.googleapis.com/Object`. Unknown kinds carry only the name.
 */
export function resourceAttributes(name: string): BindingsResource {
  const of = (service: string, kind: string): BindingsResource => ({ name, service: `${service}.gatehouse.dev`, type: `${service}.gatehouse.dev/${kind}` });
  if (/^account\/\d{12}$/.test(name)) return of('resourcemanager', 'Account');
  if (name.startsWith('workspace/')) return of('resourcemanager', 'Workspace');
  // `s`: a key may hold a line break; read with `.` alone, such an object had no type nor service (review nt, 2).
  const s3 = /^arn:aws[a-z-]*:s3:::([^/]+)(\/.*)?$/s.exec(name) ?? /^acs:oss:[^:]*:[^:]*:([^/]+)(\/.*)?$/s.exec(name);
  if (s3 !== null) return of('storage', s3[2] === undefined ? 'Bucket' : 'Object');
  const m = /^(?:arn:aws[a-z-]*:([a-z0-9-]+):[^:]*:[^:]*|acs:([a-z0-9-]+):[^:]*:[^:]*):([A-Za-z-]+)[/:]/.exec(name);
  if (m !== null) {
    const service = (m[1] ?? m[2]) as string;
    const kind = m[3] as string;
    const training = service === 'training' || service === 'pai';
    if (training && kind === 'job') return of('ml', 'Job');
    if (training && kind === 'model') return of('ml', 'Model');
    if ((training || service === 'eks') && kind === 'cluster') return of('container', 'Cluster');
    if (training && kind === 'workspace') return of('resourcemanager', 'Workspace');
    if (service === 'iam' || service === 'ram') {
      if (kind === 'role') return of('iam', 'ServiceAccount');
      if (kind === 'user') return of('iam', 'User');
      if (kind === 'group') return of('iam', 'Group');
    }
  }
  return { name };
}
