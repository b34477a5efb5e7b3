/**
 * What deleting a user or role does to the policies that name it (review F3; docs/decisions.md "A deleted user or
 * role is forgotten by the policies that named it"). IAM stores user and role ARNs in trust policies as unique ids,
 * so a user or role deleted and created again under the same name no longer matches (policy-semantics.md §A.1.5),
 * and GetRole shows the old id where the ARN was; GCP rewrites a deleted member to `deleted:user:…?uid=…` (§A.4).
 * Gatehouse matches principals by name, so it does the same at deletion, inside the deleting write transaction and
 * in every account: a `Principal`/`NotPrincipal` value naming the entity by ARN (any path, `arn:aws:` or `acs:ram:`
 * form, as the engine matches it, and its name in any case, as a policy may name it: review ph, 1) becomes the entity's unique id in roles' trust policies and in resource policies
 * (bucket policies of the S3 gateway included), and a binding member naming it becomes `deleted:<member>?uid=<id>`.
 * Conditions (`aws:PrincipalArn`…) and resources are left as written, as AWS leaves them. A deleted user (or group)
 * also leaves every workspace of its account (review K1): membership gives a job the workspace's default role. A
 * deleted group's `group:NAME` binding members of its account become `deleted:group:NAME?uid=<id>` the same way
 * (IAM takes no group as a principal, so no trust or resource policy names one).
 *
 * A user renamed (`UpdateUser` with `NewUserName` or `NewPath`) is followed by what named it (review K2): in AWS the
 * trust and resource policies hold its unique id and show its new ARN, so the grants stay with the renamed user and
 * a new user of the old name gets none. Here every `Principal` ARN naming it (in any case) becomes its new ARN, `user:OLD` binding
 * members `user:NEW`, workspace members the new name, and access entries move to the new ARN (keeping the id they
 * are tied to). A group renamed takes its `group:` binding members and workspace memberships along the same way.
 * Every write goes through the store's transaction API (`roles.update`, `kv.put`, `kv.delete`), so the change log
 * carries it to every instance's caches.
 */
import { namedEntity, replacePrincipals } from '../core/iam/index.ts';
import { parseRoleArn } from '../core/sts/session.ts';
import { clusterKey, workspaceKey, type Cluster, type Workspace, type WorkspaceMember } from '../core/jobs/jobs.ts';
import { entryPrincipal, type AccessEntry } from '../core/kube/index.ts';
import { forgetMember, moveEntityIamPolicies, policiesForgetting, rewriteMember } from './bindings.ts';
import { documentChanges, documentValue, inSetOrder, type DocumentChange } from './document-diff.ts';
import { ACCESS_ENTRY_KIND, accessEntryKey } from './kube-apply.ts';
import type { ReadTx, WriteTx } from './ports/store.ts';
import { principalArnFor } from './principal-refs.ts';
import { RESOURCE_POLICY_PREFIX, storedResourcePolicy, type StoredResourcePolicy } from './resource-policies.ts';

/** `text` parsed, when it is a JSON object; else undefined. */
function parsedObject(text: string): Record<string, unknown> | undefined {
  try {
    const v = JSON.parse(text) as unknown;
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A workspace's, cluster's or access entry's record, when it is one as the server writes it; undefined when not (a
 * database restored or edited by hand, a truncated write). Parsed unguarded, one such record stopped every rename and
 * every deletion of any user, group or role of its account (500 naming nothing), where the rest of the server reads it
 * as none (reviews pi8, pi10); now it is left as it is, as none (review pv, 4).
 */
function workspaceRecord(text: string): Workspace | undefined {
  const v = parsedObject(text);
  return v !== undefined && typeof v['name'] === 'string' && typeof v['account'] === 'string' && Array.isArray(v['members']) ? (v as unknown as Workspace) : undefined;
}
function clusterRecord(text: string): Cluster | undefined {
  const v = parsedObject(text);
  return v !== undefined && typeof v['name'] === 'string' && typeof v['account'] === 'string' && (v['mappings'] === undefined || Array.isArray(v['mappings'])) ? (v as unknown as Cluster) : undefined;
}
function accessEntryRecord(text: string): AccessEntry | undefined {
  const v = parsedObject(text);
  return v !== undefined && typeof v['principalArn'] === 'string' && typeof v['account'] === 'string' && typeof v['cluster'] === 'string' ? (v as unknown as AccessEntry) : undefined;
}

/** A user or role being deleted. */
export interface GonePrincipal {
  readonly type: 'user' | 'role';
  readonly account: string;
  /** As stored. Binding members name it exactly, as their engine matches them; policy principals in any case (`goneId`). */
  readonly name: string;
  /** The unique id Gatehouse gave it (`AIDA…`, `AROA…`). */
  readonly id: string;
}

/** What `forgetPrincipal` rewrote, for the audit log and tests. */
export interface Forgotten {
  /** `<account>/<role name>` of each role whose trust policy changed. */
  readonly trustPolicies: readonly string[];
  /** The resource of each resource policy that changed. */
  readonly resourcePolicies: readonly string[];
  /** The resource of each IAM policy (bindings) that changed. */
  readonly iamPolicies: readonly string[];
  /** `<account>/<workspace>` of each workspace whose members changed. */
  readonly workspaces: readonly string[];
  /** `<account>/<cluster>` of each cluster whose node mapping rules changed (a rule for the user or group). */
  readonly clusters: readonly string[];
}

/**
 * Whether a policy principal's name names the entity called `name`: in any case. The engine matches a principal's name
 * exactly, but a policy is accepted naming an existing user or role in any case (principal-refs.ts, review Z3), and AWS
 * stores what it names as the entity's unique id; left as written at a deletion or rename, `user/ALICE` for the user
 * `alice` became a grant to whoever created a user `ALICE` after it (review ph, 1).
 */
const sameName = (written: string, name: string): boolean => written.toLowerCase() === name.toLowerCase();

/** The unique id of `gone` for a policy principal that names it (by its kind, account and name in any case), else undefined. */
const goneId =
  (gone: GonePrincipal) =>
  (value: string): string | undefined => {
    const e = namedEntity(value);
    return e !== undefined && e.kind === gone.type && e.account === gone.account && sameName(e.name, gone.name) ? gone.id : undefined;
  };

/**
 * Rewrites, inside `tx`, every policy that names `gone` (see the module comment). Call it in the transaction that
 * deletes the entity, after the delete succeeded; `now` (ISO seconds) stamps the resource and IAM policies changed.
 */
export async function forgetPrincipal(tx: WriteTx, gone: GonePrincipal, now: string): Promise<Forgotten> {
  const { trustPolicies, resourcePolicies } = await rewritePrincipals(tx, goneId(gone), gone.type === 'role' ? gone : undefined, now);
  const iamPolicies = await forgetMember(tx, gone, now);
  const workspaces = gone.type === 'user' ? await rewriteWorkspaceMembers(tx, gone.account, 'user', gone.name, undefined) : [];
  const clusters = gone.type === 'user' ? await rewriteClusterMappings(tx, gone.account, 'user', gone.name, undefined) : [];
  return { trustPolicies, resourcePolicies, iamPolicies, workspaces, clusters };
}

/**
 * The clusters of `account` whose nodes run as its role `name` (compared without case, as IAM role names are unique),
 * each with the fields naming it: `spec.instanceRole`, `spec.computeConfigs.<name>.instanceRole`, `spec.mappings[i].role`,
 * by name or by an ARN of that account (src/app/jobs.ts `startNode` reads them so). DeleteRole is refused while there
 * is one (review gs, 1), as AWS refuses it while an instance profile holds the role and `apply --prune` refuses it
 * (review gf, 2): deleted, every node started after was refused, and a role created later under the name became the
 * nodes' role.
 */
export async function clustersRunningAs(tx: ReadTx, account: string, name: string): Promise<{ cluster: string; fields: string[] }[]> {
  const lower = name.toLowerCase();
  const names = (ref: string | undefined): boolean => {
    if (ref === undefined) return false;
    if (!ref.includes(':')) return ref.toLowerCase() === lower;
    const arn = parseRoleArn(ref);
    return arn !== undefined && arn.account === account && arn.name.toLowerCase() === lower;
  };
  const out: { cluster: string; fields: string[] }[] = [];
  for (const { value } of await tx.kv.list(clusterKey(account, ''))) {
    const c = clusterRecord(value);
    if (c === undefined || c.account !== account) continue;
    const fields = [
      ...(names(c.instanceRole) ? ['spec.instanceRole'] : []),
      ...Object.entries(c.computeConfigs ?? {}).flatMap(([cc, v]) => (names(v.instanceRole) ? [`spec.computeConfigs.${cc}.instanceRole`] : [])),
      ...(c.mappings ?? []).flatMap((m, i) => (names(m.role) ? [`spec.mappings[${i}].role`] : [])),
    ];
    if (fields.length) out.push({ cluster: c.name, fields });
  }
  return out;
}

/** A group being deleted. */
export interface GoneGroup {
  readonly account: string;
  /** As stored (`group:` members match exactly, as the engine matches them). */
  readonly name: string;
  /** The unique id Gatehouse gave it (`AGPA…`). */
  readonly id: string;
}

/**
 * Inside `tx`, a group being deleted leaves every workspace of its account (`{group: NAME}`, as membership compares
 * it), and its `group:NAME` binding members of that account become `deleted:group:NAME?uid=<id>` (see the module
 * comment). Call it in the transaction that deletes the group, after the delete succeeded; `now` stamps the IAM
 * policies changed.
 */
export async function forgetGroup(tx: WriteTx, gone: GoneGroup, now: string): Promise<Forgotten> {
  const iamPolicies = await forgetMember(tx, { type: 'group', ...gone }, now);
  const workspaces = await rewriteWorkspaceMembers(tx, gone.account, 'group', gone.name, undefined);
  const clusters = await rewriteClusterMappings(tx, gone.account, 'group', gone.name, undefined);
  return { trustPolicies: [], resourcePolicies: [], iamPolicies, workspaces, clusters };
}

/** An object that deleting a user, group or role rewrites (`forgetPrincipal`, `forgetGroup`), or removes (`delete`). */
export interface Forgetting {
  readonly kind: 'Role' | 'ResourcePolicy' | 'IamPolicy' | 'Workspace' | 'Cluster';
  readonly account: string;
  /** As `apply` names it: the role's, workspace's or cluster's name; a policy's document name, else its resource. */
  readonly name: string;
  /** The field rewritten (`trustPolicy`, `document`, `bindings`, `members`, `mappings`). */
  readonly field: string;
  readonly delete?: true;
  /** What changes in the field, at its paths, as an update of the object's own document lists it (review no, 1). */
  readonly diff?: readonly DocumentChange[];
}

/**
 * What deleting `gone` makes `forgetPrincipal` (a user or role) or `forgetGroup` (a group) rewrite or remove, with the
 * same matches, read without writing: a plan that deletes it (`apply --prune`) lists each of these objects too, as
 * the apply changes them in its transaction.
 */
export async function forgetting(tx: ReadTx, gone: GonePrincipal | (GoneGroup & { readonly type: 'group' })): Promise<Forgetting[]> {
  const out: Forgetting[] = [];
  if (gone.type !== 'group') {
    const names = goneId(gone);
    for (const role of await tx.roles.listAll()) {
      if (gone.type === 'role' && role.account === gone.account && role.name === gone.name) continue;
      const next = replacePrincipals(role.trustPolicy, names);
      if (next !== undefined) out.push({ kind: 'Role', account: role.account, name: role.name, field: 'trustPolicy', diff: documentChanges(documentValue(role.trustPolicy), documentValue(next), 'trustPolicy') });
    }
    for (const { key, value } of await tx.kv.list(RESOURCE_POLICY_PREFIX)) {
      const stored = storedResourcePolicy(key, value) as (StoredResourcePolicy & { name?: unknown }) | undefined;
      const next = stored === undefined ? undefined : replacePrincipals(stored.document, names);
      if (stored === undefined || next === undefined) continue;
      out.push({ kind: 'ResourcePolicy', account: stored.account, name: typeof stored.name === 'string' ? stored.name : stored.resource, field: 'document', diff: documentChanges(documentValue(stored.document), documentValue(next), 'document') });
    }
  }
  for (const p of await policiesForgetting(tx, gone)) {
    out.push({ kind: 'IamPolicy', account: p.account, name: p.name ?? p.resource, field: 'bindings', ...(p.removed ? { delete: true as const } : {}), ...(p.diff !== undefined ? { diff: p.diff } : {}) });
  }
  if (gone.type !== 'role') {
    const lower = gone.name.toLowerCase();
    const kind = gone.type;
    for (const { value } of await tx.kv.list(workspaceKey(gone.account, ''))) {
      const ws = workspaceRecord(value);
      if (ws === undefined) continue;
      // The members `rewriteWorkspaceMembers` leaves, each one lost listed as `- members[i]: {"user":"bob"}`.
      const left = ws.members.filter((m) => m[kind]?.toLowerCase() !== lower);
      if (left.length < ws.members.length) out.push({ kind: 'Workspace', account: ws.account, name: ws.name, field: 'members', diff: documentChanges(inSetOrder(ws.members), inSetOrder(left), 'members') });
    }
    for (const { value } of await tx.kv.list(clusterKey(gone.account, ''))) {
      const c = clusterRecord(value);
      if (c === undefined) continue;
      // The rules `rewriteClusterMappings` keeps, each one dropped listed as `- mappings[i]: {"user":"bob","role":"gpu"}`.
      const rules = c.mappings ?? [];
      const kept = rules.filter((m) => m[kind]?.toLowerCase() !== lower);
      if (kept.length < rules.length) out.push({ kind: 'Cluster', account: c.account, name: c.name, field: 'mappings', diff: documentChanges(rules, kept, 'mappings') });
    }
  }
  return out;
}

/** A user or group being renamed (`UpdateUser`, `UpdateGroup`): what it was and what it becomes. */
export interface RenamedPrincipal {
  readonly type: 'user' | 'group';
  readonly account: string;
  readonly id: string;
  readonly from: { readonly name: string; readonly path: string };
  readonly to: { readonly name: string; readonly path: string };
}

/** What a rename rewrote: `Forgotten`'s lists, and the `<account>/<cluster>/<principal ARN>` of each access entry moved. */
export interface Followed extends Forgotten {
  readonly accessEntries: readonly string[];
}

/**
 * Rewrites, inside `tx`, everything that names `renamed` by its old name or ARN to the new one (see the module
 * comment). Call it in the transaction that renames, after the rename succeeded; `now` stamps what changed.
 */
export async function followRename(tx: WriteTx, renamed: RenamedPrincipal, now: string): Promise<Followed> {
  const { type, account, from, to } = renamed;
  if (type === 'group') {
    // IAM takes no group as a principal; bindings and workspaces name groups of their own account.
    const iamPolicies = from.name === to.name ? [] : await rewriteMember(tx, `group:${from.name}`, `group:${to.name}`, account, now);
    // The policy on the group's own ARN goes with it (review po, 4), in the ARN's dialect, with the new path.
    const groupArnAfter = (value: string): string => `${value.slice(0, value.indexOf(':group/'))}:group${value.startsWith('acs:') ? '/' : to.path}${to.name}`;
    for (const r of await moveEntityIamPolicies(tx, { type: 'group', account, name: from.name }, groupArnAfter, now)) if (!iamPolicies.includes(r)) iamPolicies.push(r);
    const workspaces = await rewriteWorkspaceMembers(tx, account, 'group', from.name, to.name);
    const clusters = await rewriteClusterMappings(tx, account, 'group', from.name, to.name);
    return { trustPolicies: [], resourcePolicies: [], iamPolicies, workspaces, clusters, accessEntries: [] };
  }
  // The value's own dialect and partition, with the user's new path (an `acs:ram` ARN has none) and name. A path holding
  // `*` or `?` (IAM allows any printable ASCII in a path) is left out (`principalArnFor`): with it, the whole policy
  // failed closed for every principal it named and could not be written back as read (review ph, 2).
  const arnAfter = (value: string): string => {
    const at = value.indexOf(':user/');
    return principalArnFor(`${value.slice(0, at)}:user${value.startsWith('acs:') ? '/' : to.path}${to.name}`);
  };
  const replace = (value: string): string | undefined => {
    const e = namedEntity(value);
    return e !== undefined && e.kind === 'user' && e.account === account && sameName(e.name, from.name) ? arnAfter(value) : undefined;
  };
  const { trustPolicies, resourcePolicies } = await rewritePrincipals(tx, replace, undefined, now);
  const iamPolicies = from.name === to.name ? [] : await rewriteMember(tx, `user:${from.name}`, `user:${to.name}`, account, now);
  // The policy on the user's own ARN goes with it (review po, 4): left there, a user created under the old name had it.
  for (const r of await moveEntityIamPolicies(tx, { type: 'user', account, name: from.name }, arnAfter, now)) if (!iamPolicies.includes(r)) iamPolicies.push(r);
  const workspaces = await rewriteWorkspaceMembers(tx, account, 'user', from.name, to.name);
  const clusters = await rewriteClusterMappings(tx, account, 'user', from.name, to.name);
  const accessEntries = await moveAccessEntries(tx, renamed, now);
  return { trustPolicies, resourcePolicies, iamPolicies, workspaces, clusters, accessEntries };
}

/** Applies `replace` to the principals of every role's trust policy (but `skip`'s) and every resource policy. */
async function rewritePrincipals(tx: WriteTx, replace: (value: string) => string | undefined, skip: { readonly account: string; readonly name: string } | undefined, now: string): Promise<{ trustPolicies: string[]; resourcePolicies: string[] }> {
  const trustPolicies: string[] = [];
  for (const role of await tx.roles.listAll()) {
    // A deleted role's own trust policy goes with it.
    if (skip !== undefined && role.account === skip.account && role.name === skip.name) continue;
    const next = replacePrincipals(role.trustPolicy, replace);
    if (next === undefined) continue;
    const r = await tx.roles.update(role.account, role.name, { trustPolicy: next });
    // Only a bug makes this fail: the role was just listed in this transaction.
    if (!r.ok) throw new Error(`rewriting the trust policy of role ${role.account}/${role.name}: ${r.error.message}`);
    trustPolicies.push(`${role.account}/${role.name}`);
  }
  const resourcePolicies: string[] = [];
  for (const { key, value } of await tx.kv.list(RESOURCE_POLICY_PREFIX)) {
    // A record that is not one (edited by hand) names no one readable: it is left as it is (it fails closed).
    const stored = storedResourcePolicy(key, value);
    if (stored === undefined) continue;
    const next = replacePrincipals(stored.document, replace);
    if (next === undefined) continue;
    await tx.kv.put(key, JSON.stringify({ ...stored, document: next, updated: now } satisfies StoredResourcePolicy));
    resourcePolicies.push(stored.resource);
  }
  return { trustPolicies, resourcePolicies };
}

/**
 * In every workspace of `account`, the member `{kind: name}` (names compared without case, as `isWorkspaceMember`
 * compares them, and as IAM names are unique) is removed (`to` undefined) or renamed to `to`; a member listed twice
 * after the rename is kept once. Answers `<account>/<workspace>` of each workspace changed.
 */
async function rewriteWorkspaceMembers(tx: WriteTx, account: string, kind: 'user' | 'group', name: string, to: string | undefined): Promise<string[]> {
  const lower = name.toLowerCase();
  const changed: string[] = [];
  for (const { key, value } of await tx.kv.list(workspaceKey(account, ''))) {
    const ws = workspaceRecord(value);
    if (ws === undefined || !ws.members.some((m) => m[kind]?.toLowerCase() === lower)) continue;
    const members: WorkspaceMember[] = [];
    const seen = new Set<string>();
    for (const m of ws.members) {
      const named = m[kind]?.toLowerCase() === lower;
      if (named && to === undefined) continue;
      const next = named ? { [kind]: to } : m;
      const id = `${next.user !== undefined ? 'user' : 'group'}:${(next.user ?? next.group ?? '').toLowerCase()}`;
      if (seen.has(id)) continue;
      seen.add(id);
      members.push(next);
    }
    await tx.kv.put(key, JSON.stringify({ ...ws, members } satisfies Workspace));
    changed.push(`${ws.account}/${ws.name}`);
  }
  return changed;
}

/**
 * The node mapping rules of the account's clusters that name the user or group (matched without case, as `nodeRole`
 * matches them): dropped when it is deleted (`to` undefined), renamed with it. A rule for a name is a grant of a node
 * role to whoever holds that name: it must not pass to a new user or group of the old name.
 */
async function rewriteClusterMappings(tx: WriteTx, account: string, kind: 'user' | 'group', name: string, to: string | undefined): Promise<string[]> {
  const lower = name.toLowerCase();
  const changed: string[] = [];
  for (const { key, value } of await tx.kv.list(clusterKey(account, ''))) {
    const c = clusterRecord(value);
    if (c === undefined) continue;
    const rules = c.mappings ?? [];
    if (!rules.some((m) => m[kind]?.toLowerCase() === lower)) continue;
    const mappings = rules.flatMap((m) => (m[kind]?.toLowerCase() !== lower ? [m] : to === undefined ? [] : [{ ...m, [kind]: to }]));
    await tx.kv.put(key, JSON.stringify({ ...c, mappings } satisfies Cluster));
    changed.push(`${c.account}/${c.name}`);
  }
  return changed;
}

/**
 * Access entries (of every account's clusters) made for the renamed user, by id or (entries stored before ids) by
 * name, move to its new ARN: an entry filed under the ARN with a path takes the new path, one filed without stays
 * without (both find the user, `entryCandidates`). The entry keeps its groups and username as written (a username
 * left to its default follows the ARN, `defaultUsername`), and is tied to the user's id. An entry already filed
 * under the new ARN is replaced: the name was free, so it named no living principal.
 */
async function moveAccessEntries(tx: WriteTx, renamed: RenamedPrincipal, now: string): Promise<string[]> {
  const { account, id, from, to } = renamed;
  const moved: string[] = [];
  for (const { key, value } of await tx.kv.list('k8s/')) {
    if (!key.includes(`/${ACCESS_ENTRY_KIND}/`)) continue;
    const entry = accessEntryRecord(value);
    if (entry === undefined) continue;
    const p = entryPrincipal(entry.principalArn);
    if (p === undefined || p.kind !== 'user' || p.account !== account || p.name.toLowerCase() !== from.name.toLowerCase()) continue;
    if (entry.principalId !== undefined && entry.principalId !== id) continue;
    const at = entry.principalArn.indexOf(':user/');
    const withPath = p.partition === 'aws' && entry.principalArn.slice(at + ':user/'.length).includes('/');
    const arn = `${entry.principalArn.slice(0, at)}:user${withPath ? to.path : '/'}${to.name}`;
    if (arn === entry.principalArn && entry.principalId === id) continue;
    const next = accessEntryKey(entry.account, entry.cluster, arn);
    if (next !== key) await tx.kv.delete(key);
    await tx.kv.put(next, JSON.stringify({ ...entry, principalArn: arn, principalId: id, modified: now } satisfies AccessEntry));
    moved.push(`${entry.account}/${entry.cluster}/${arn}`);
  }
  return moved;
}
