/**
 * `gatehouse apply` for Kubernetes: `rbac.authorization.k8s.io/v1` documents (Role, ClusterRole, RoleBinding,
 * ClusterRoleBinding), kept as written and applied to the cluster named by `--cluster`, and `kind:
 * AccessEntry` (DESIGN.md "YAML documents"). Both live in the store's key/value table under
 * `k8s/<account>/<cluster>/` (see `kubeKey`), are planned like every other kind (create / update /
 * unchanged, pruned with `--prune`), and are authorized as `training:` actions on the cluster's ARN.
 *
 * The handlers plug into apply.ts's `KindHandler` registry; only types are imported from there, so the two
 * modules have no load-order dependency.
 */
import { failWith, ok } from '../core/errors.ts';
import { clusterArn, clusterKey } from '../core/jobs/jobs.ts';
import { comparableRbacDocument, parseRbacObject, RBAC_API_GROUP, RBAC_KINDS, type RbacKind, type RbacObject } from '../core/rbac/index.ts';
import { entryKey, entryPrincipal, parseAccessEntrySpec, type AccessEntry, type AccessEntrySpec } from '../core/kube/index.ts';
import type { KindHandler } from './apply.ts';
import { canonicalJson, documentChanges, type DocumentChange } from './document-diff.ts';
import { kvView } from './stored-view.ts';
import type { ReadTx, WriteTx } from './ports/store.ts';

type Env = Parameters<KindHandler<unknown>['plan']>[0];
type PlanResult = Awaited<ReturnType<KindHandler<unknown>['plan']>>;
type DeleteResult = Awaited<ReturnType<NonNullable<KindHandler<unknown>['planDelete']>>>;
type Step = Extract<DeleteResult, { ok: true }>['value'][number];
type Obj = Record<string, unknown>;

/** apply.ts `PHASE.link`, `PHASE.deletePrincipal` (a pruned cluster's) and `PHASE.deletePolicy`: writes after every directory object exists, deletions last. */
const PHASE_LINK = 6;
const PHASE_DELETE_PRINCIPAL = 7;
const PHASE_DELETE = 9;

/** Prefix of one cluster's Kubernetes objects: `k8s/<account>/<cluster>/`. Cluster names compare without case. */
export function kubePrefix(account: string, cluster: string): string {
  return `k8s/${account}/${cluster.toLowerCase()}/`;
}

/** `k8s/<account>/<cluster>/<kind>/<namespace>/<name>` (namespace empty for cluster-scoped objects). */
export function rbacKey(account: string, cluster: string, kind: RbacKind, namespace: string, name: string): string {
  return `${kubePrefix(account, cluster)}${kind}/${namespace}/${name}`;
}

export const ACCESS_ENTRY_KIND = 'AccessEntry';

/** `k8s/<account>/<cluster>/AccessEntry/<principal ARN, lower case>`: one entry per principal and cluster, as EKS. */
export function accessEntryKey(account: string, cluster: string, principalArn: string): string {
  return `${kubePrefix(account, cluster)}${ACCESS_ENTRY_KIND}/${entryKey(principalArn)}`;
}

/** How an RBAC kind is named among apply's kinds (and in plans): `ClusterRole.rbac.authorization.k8s.io`, as kubectl prints it. */
export const rbacKindName = (k: RbacKind): string => `${k}.${RBAC_API_GROUP}`;

/** What is stored for an RBAC object: the document as applied (canonical JSON) and where it came from. */
export interface StoredRbacObject {
  readonly cluster: string;
  readonly document: Obj;
}

export interface RbacSpec {
  readonly cluster: string;
  readonly object: RbacObject;
  /** Canonical JSON of the document, for comparison and storage. */
  readonly canonical: string;
}

/**
 * The condition keys of `training:ApplyRbacObject` and `training:DeleteRbacObject` (review N, N4): the object's kind
 * (`training:RbacKind`), name (`training:RbacName`), namespace for a Role or RoleBinding (`training:RbacNamespace`, absent
 * for cluster-scoped kinds) and, for a binding, the role it grants (`training:RbacRoleRef`, `ClusterRole/view`,
 * `Role/pod-reader`). Kubernetes lets a namespace's admin bind only what it may bind (`bind`, `escalate`); on Gatehouse
 * both actions are decided on the cluster's ARN, so without these keys whoever may write one RoleBinding may write a
 * ClusterRoleBinding to `cluster-admin`. With them a policy delegates, say, RoleBindings to ClusterRole `view` in
 * namespace `team` and nothing else.
 */
export function rbacContext(o: { readonly kind: RbacKind; readonly metadata: { readonly name: string; readonly namespace: string; readonly labels?: Readonly<Record<string, string>> }; readonly roleRef?: { readonly kind: string; readonly name: string } }): Record<string, string | string[]> {
  const labels = Object.entries(o.metadata.labels ?? {});
  return {
    'training:RbacKind': o.kind,
    'training:RbacName': o.metadata.name,
    ...(o.kind === 'Role' || o.kind === 'RoleBinding' ? { 'training:RbacNamespace': o.metadata.namespace } : {}),
    ...(o.roleRef !== undefined ? { 'training:RbacRoleRef': `${o.roleRef.kind}/${o.roleRef.name}` } : {}),
    // A ClusterRole's labels put its rules into every aggregated ClusterRole that selects them: one labelled
    // `rbac.authorization.k8s.io/aggregate-to-view: "true"` adds its rules to `view` wherever `view` is bound, so a
    // policy that delegates ClusterRoles by name must be able to refuse such labels (review K, K4). `key=value`, a list.
    ...(labels.length > 0 ? { 'training:RbacLabels': labels.map(([k, v]) => `${k}=${v}`) } : {}),
  };
}

/**
 * The condition keys of the access-entry actions (review N, N10), after EKS's `eks:principalArn`,
 * `eks:kubernetesGroups` and `eks:username`: the entry's principal, its groups (a list: `ForAllValues:StringEquals`
 * bounds them) and its username template when it names one. Without them whoever may create one entry may map
 * anyone, themselves included, into the group bound to cluster-admin.
 */
export function accessEntryContext(e: { readonly principalArn: string; readonly kubernetesGroups?: readonly string[]; readonly username?: string | undefined }): Record<string, string | string[]> {
  return {
    'training:principalArn': e.principalArn,
    ...(e.kubernetesGroups !== undefined ? { 'training:kubernetesGroups': [...e.kubernetesGroups] } : {}),
    ...(e.username !== undefined ? { 'training:username': e.username } : {}),
  };
}

const planOk = (value: Extract<PlanResult, { ok: true }>['value']): PlanResult => ({ ok: true, value });
const planFail = (code: Extract<PlanResult, { ok: false }>['errors'][number]['code'], path: string, message: string): PlanResult => ({ ok: false, errors: [{ code, path, message }] });

/** Does the cluster exist after this apply: among its documents, or in the store and not pruned? */
async function clusterExists(env: Env, account: string, cluster: string): Promise<boolean | 'pruned'> {
  if (env.documents.some((d) => d.kind === 'Cluster' && d.account === account && d.name.toLowerCase() === cluster.toLowerCase())) return true;
  if (env.newAccounts.has(account) || (await env.tx.kv.get(clusterKey(account, cluster))) === undefined) return false;
  return env.pruned('Cluster', account, cluster) ? 'pruned' : true;
}

/**
 * The name the cluster goes by, for the ARN its writes are decided on and recorded under (review sr, 1): the stored
 * record's, else the name of the Cluster document of this apply that makes it, else as given. A cluster is found
 * without case, but an ARN in a policy is compared with case: decided on `--cluster K1` or `spec.cluster: K1` as written,
 * a write to cluster `k1` escaped every Deny on `…:cluster/k1` (the `/v1/clusters` routes decide on the stored name).
 */
async function clusterNameOf(env: Env, account: string, cluster: string): Promise<string> {
  if (!env.newAccounts.has(account)) {
    const text = await env.tx.kv.get(clusterKey(account, cluster));
    let name: unknown;
    try {
      name = text === undefined ? undefined : (JSON.parse(text) as Obj | null)?.['name'];
    } catch {
      name = undefined;
    }
    if (typeof name === 'string' && name.toLowerCase() === cluster.toLowerCase()) return name;
  }
  return env.documents.find((d) => d.kind === 'Cluster' && d.account === account && d.name.toLowerCase() === cluster.toLowerCase())?.name ?? cluster;
}

/**
 * The same write decided, without running it, on the cluster's ARN as the document or `--cluster` spells its name, when
 * that differs from the name it goes by (`clusterNameOf`): an explicit Deny written on either spelling holds, as a
 * Workspace's or Cluster's own write is decided on both (`namesDecided`, review sm, 2; review sr, 1).
 */
function asSpelt(env: Env, account: string, asked: string, name: string, step: { readonly phase: number; readonly action: string; readonly context: Record<string, string | string[]> }): Step[] {
  return asked === name ? [] : [{ ...step, resource: clusterArn(env.partitionOf(account), account, asked), account }];
}

const noCluster = (account: string, cluster: string, path: string, pruned: boolean | 'pruned'): PlanResult =>
  pruned === 'pruned'
    ? planFail('INVALID_INPUT', path, `cluster \`${cluster}\` is deleted by --prune (no Cluster document names it), with everything applied to it; add its Cluster document, or leave this out`)
    : planFail('NO_SUCH_ENTITY', path, `cluster \`${cluster}\` does not exist in account ${account}; create it first (\`kind: Cluster\`)`);

/** kubectl's namespace when neither the document nor `--namespace` names one. */
export const DEFAULT_NAMESPACE = 'default';

/**
 * Validates one `rbac.authorization.k8s.io` document for the cluster named by `--cluster`: the RBAC parser's
 * rules, unchanged. Answers the apply kind, the object's name (`namespace/name` for namespaced kinds) and spec.
 * A Role or RoleBinding without `metadata.namespace` goes to `namespace` (`--namespace`), else to `default`, and is
 * stored with it, as kubectl applies it; one naming another namespace than a `--namespace` given is refused, as
 * kubectl refuses it (review I, U1).
 */
export function validateRbacDocument(doc: Obj, cluster: string | undefined, namespace?: string): { kind: string; name: string; spec: RbacSpec } | { errors: { code: Extract<PlanResult, { ok: false }>['errors'][number]['code']; path: string; message: string }[] } {
  if (cluster === undefined || cluster === '') {
    return { errors: [{ code: 'VALIDATION_ERROR', path: 'apiVersion', message: `Kubernetes RBAC documents go to a cluster: give \`--cluster NAME\` (in /v1/apply, \`cluster\`)` }] };
  }
  const meta = Object.hasOwn(doc, 'metadata') ? doc['metadata'] : undefined;
  if ((doc['kind'] === 'Role' || doc['kind'] === 'RoleBinding') && typeof meta === 'object' && meta !== null && !Array.isArray(meta)) {
    const m = meta as Obj;
    const own = Object.hasOwn(m, 'namespace') ? m['namespace'] : undefined;
    if (own === undefined || own === null || own === '') doc = { ...doc, metadata: { ...m, namespace: namespace ?? DEFAULT_NAMESPACE } };
    else if (namespace !== undefined && own !== namespace) {
      return { errors: [{ code: 'VALIDATION_ERROR', path: 'metadata.namespace', message: `the namespace of the document, \`${String(own)}\`, does not match \`--namespace ${namespace}\`; give \`--namespace ${String(own)}\` or remove one of them` }] };
    }
  }
  const r = parseRbacObject(doc);
  if (!r.ok) return { errors: r.errors.map((e) => ({ code: e.code, path: e.path, message: e.message })) };
  const o = r.value;
  const name = o.metadata.namespace === '' ? o.metadata.name : `${o.metadata.namespace}/${o.metadata.name}`;
  return { kind: rbacKindName(o.kind), name, spec: { cluster, object: o, canonical: canonicalJson(doc) } };
}

/**
 * Why a binding's update is refused when it changes the role the stored binding grants, or undefined. A binding's
 * `roleRef` is immutable in Kubernetes (`ValidateRoleBindingUpdate`: "cannot change roleRef"; `kubectl apply` fails),
 * so that whoever may update a binding to manage its subjects cannot change what it grants: a delegate allowed
 * `training:ApplyRbacObject` on `training:RbacName: team-viewers` to keep its subject list could otherwise turn it into
 * a binding of `cluster-admin` for everyone it names. A stored document that no longer parses is not compared.
 */
function roleRefChange(stored: Obj, next: RbacObject): string | undefined {
  if (next.kind !== 'RoleBinding' && next.kind !== 'ClusterRoleBinding') return undefined;
  const before = parseRbacObject(stored);
  if (!before.ok || (before.value.kind !== 'RoleBinding' && before.value.kind !== 'ClusterRoleBinding')) return undefined;
  const was = before.value.roleRef;
  const now = next.roleRef;
  if (was.kind === now.kind && was.name === now.name && was.apiGroup === now.apiGroup) return undefined;
  const name = next.metadata.namespace === '' ? next.metadata.name : `${next.metadata.namespace}/${next.metadata.name}`;
  return `${next.kind} \`${name}\` grants ${was.kind} \`${was.name}\`, and a binding's \`roleRef\` cannot change (Kubernetes makes it immutable); to grant ${now.kind} \`${now.name}\`, give the binding another name (with --prune the old one is deleted), or delete it first (apply --prune without it) and apply it again`;
}

/**
 * `visited`: the namespaces of the Roles and RoleBindings an apply names. With `--prune`, Roles and RoleBindings are
 * pruned in those namespaces only, as `kubectl apply --prune` prunes namespaced kinds in the namespaces it visited
 * (kubectl `pkg/cmd/apply/prune.go`, `visitedNamespaces`); cluster-scoped kinds across the cluster (review N, N3).
 */
function rbacHandler(kind: RbacKind, cluster: string, visited: ReadonlySet<string> | undefined): KindHandler<RbacSpec> {
  const keyOf = (account: string, name: string): string => {
    const slash = name.indexOf('/');
    const namespaced = kind === 'Role' || kind === 'RoleBinding';
    return namespaced && slash > 0 ? rbacKey(account, cluster, kind, name.slice(0, slash), name.slice(slash + 1)) : rbacKey(account, cluster, kind, '', name);
  };
  return {
    kind: rbacKindName(kind),
    scope: 'account',
    // Kubernetes names are case-sensitive: `Ops` and `ops` are two bindings (review ce, 3).
    caseSensitiveNames: true,
    specFields: [],
    // Documents of this kind are validated by `validateRbacDocument`, before any handler is asked.
    validate: () => undefined,
    async plan(env, o) {
      const exists = await clusterExists(env, o.account, o.spec.cluster);
      if (exists !== true) return noCluster(o.account, o.spec.cluster, 'apiVersion', exists);
      const key = keyOf(o.account, o.name);
      const text = env.newAccounts.has(o.account) ? undefined : await env.tx.kv.get(key);
      // One that cannot be read is replaced as if there were none (review pi, 9).
      const existing = text === undefined ? undefined : storedRbacRecord(text);
      const clusterName = await clusterNameOf(env, o.account, o.spec.cluster);
      const stored: StoredRbacObject = { cluster: clusterName, document: JSON.parse(o.spec.canonical) as Obj };
      // Compared as the API server holds them: a subject's defaulted `apiGroup`, a server-set `uid` or an empty list is
      // no change (`kubectl get -o yaml` of the object applied back, review gf, 6).
      const before = existing ? comparableRbacDocument(existing.document) : undefined;
      const after = comparableRbacDocument(stored.document);
      if (before !== undefined && canonicalJson(before) === canonicalJson(after)) return planOk({ action: 'unchanged', fields: [], steps: [] });
      const changedRef = existing ? roleRefChange(existing.document, o.spec.object) : undefined;
      if (changedRef !== undefined) return planFail('RBAC_INVALID_VALUE', 'roleRef', changedRef);
      const fields = before ? ['rules', 'aggregationRule', 'subjects', 'roleRef', 'metadata'].filter((f) => canonicalJson(before[f]) !== canonicalJson(after[f])) : [];
      // What changes inside, at its path (`rules[0].verbs[1]`, `subjects[2]`), as for a policy document (review cq, 4):
      // a verb `*` or a subject `system:authenticated` added is what a reviewer of the plan must see (review fr, 5).
      const diff = before ? documentChanges(before, after, '') : [];
      return planOk({
        action: existing ? 'update' : 'create',
        fields,
        ...(diff.length > 0 ? { diff } : {}),
        steps: [
          {
            phase: PHASE_LINK,
            action: 'training:ApplyRbacObject',
            resource: clusterArn(env.partitionOf(o.account), o.account, clusterName),
            account: o.account,
            context: rbacContext(o.spec.object),
            view: kvView(key),
            run: async (tx) => {
              await tx.kv.put(key, JSON.stringify(stored));
              return ok(undefined);
            },
          },
          ...asSpelt(env, o.account, o.spec.cluster, clusterName, { phase: PHASE_LINK, action: 'training:ApplyRbacObject', context: rbacContext(o.spec.object) }),
        ],
      });
    },
    async listNames(tx, account) {
      const prefix = `${kubePrefix(account, cluster)}${kind}/`;
      const names: string[] = [];
      for (const e of await tx.kv.list(prefix)) {
        const [ns = '', ...rest] = e.key.slice(prefix.length).split('/');
        const name = rest.join('/');
        if (ns === '') names.push(name);
        else if (visited === undefined || visited.has(ns)) names.push(`${ns}/${name}`);
      }
      return names;
    },
    async planDelete(env, ref) {
      const key = keyOf(ref.account, ref.name);
      const text = await env.tx.kv.get(key);
      if (text === undefined) return { ok: true, value: [] };
      // The stored document passed the parser when applied; the key names the object if it no longer parses (or its
      // record cannot be read, review pi, 9).
      const stored = storedRbacRecord(text);
      const parsed = stored === undefined ? { ok: false as const } : parseRbacObject(stored.document);
      const slash = ref.name.indexOf('/');
      const namespaced = kind === 'Role' || kind === 'RoleBinding';
      const object = parsed.ok ? parsed.value : { kind, metadata: { namespace: namespaced && slash > 0 ? ref.name.slice(0, slash) : '', name: namespaced && slash > 0 ? ref.name.slice(slash + 1) : ref.name } };
      const clusterName = await clusterNameOf(env, ref.account, cluster);
      const step: Step = { phase: PHASE_DELETE, action: 'training:DeleteRbacObject', resource: clusterArn(env.partitionOf(ref.account), ref.account, clusterName), account: ref.account, context: rbacContext(object), view: kvView(key), run: async (tx) => ok(await tx.kv.delete(key)) };
      return { ok: true, value: [step, ...asSpelt(env, ref.account, cluster, clusterName, { phase: PHASE_DELETE, action: 'training:DeleteRbacObject', context: rbacContext(object) })] };
    },
  };
}

/**
 * The RBAC kinds of one apply, bound to its `--cluster`, by apply kind name. `documents`, the apply's objects (kind and
 * name, `namespace/name` for Roles and RoleBindings), bound what `--prune` lists of the namespaced kinds to the
 * namespaces they name (see `rbacHandler`); without them every namespace of the cluster is listed.
 */
export function rbacKindHandlers(cluster: string | undefined, documents?: readonly { readonly kind: string; readonly name: string }[]): ReadonlyMap<string, KindHandler<unknown>> {
  if (cluster === undefined || cluster === '') return new Map();
  const namespaced = new Set([rbacKindName('Role'), rbacKindName('RoleBinding')]);
  const visited = documents === undefined ? undefined : new Set(documents.filter((d) => namespaced.has(d.kind) && d.name.includes('/')).map((d) => d.name.slice(0, d.name.indexOf('/'))));
  return new Map(RBAC_KINDS.map((k) => [rbacKindName(k), rbacHandler(k, cluster, visited) as KindHandler<unknown>]));
}

// --- AccessEntry ---------------------------------------------------------------------------------------

interface AccessEntryDoc extends AccessEntrySpec {
  readonly cluster: string;
}

/** A JSON object's text parsed, else undefined (a record not as the server wrote it: restored or edited by hand, truncated). */
function storedObject(text: string): Record<string, unknown> | undefined {
  try {
    const v = JSON.parse(text) as unknown;
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * An RBAC object's record, or undefined when it cannot be read. Parsed unguarded, one such record (which the clusters'
 * state leaves out since review pi, 2) made every apply that replaces or deletes it, or prunes its cluster, a 500: it
 * could not be replaced but by hand (review pi, 9).
 */
function storedRbacRecord(text: string): StoredRbacObject | undefined {
  const v = storedObject(text);
  return v !== undefined && 'document' in v ? (v as unknown as StoredRbacObject) : undefined;
}

/** An access entry's record, or undefined when it cannot be read (as `storedRbacRecord`). */
function storedEntryRecord(text: string): AccessEntry | undefined {
  const v = storedObject(text);
  return v !== undefined && typeof v['principalArn'] === 'string' && typeof v['name'] === 'string' ? (v as unknown as AccessEntry) : undefined;
}

/** Every access entry of an account, with its key. */
export async function listAccessEntries(tx: ReadTx, account: string, cluster?: string): Promise<{ key: string; entry: AccessEntry }[]> {
  const prefix = cluster === undefined ? `k8s/${account}/` : kubePrefix(account, cluster);
  return (await tx.kv.list(prefix)).filter((e) => e.key.slice(prefix.length).includes(`${ACCESS_ENTRY_KIND}/`)).flatMap((e) => {
    const entry = storedEntryRecord(e.value);
    return entry === undefined ? [] : [{ key: e.key, entry }];
  });
}

/**
 * The unique id of the user or role an entry's principal ARN names, or undefined when it does not exist. Entries are
 * refused for principals that do not exist and tied to this id (review I, S7; as EKS `CreateAccessEntry`): a role
 * created later under the ARN, or a deleted principal created again, does not inherit the entry.
 */
export async function entryPrincipalId(tx: ReadTx, principalArn: string): Promise<string | undefined> {
  return (await entryPrincipalOf(tx, principalArn))?.id;
}

/**
 * The user or role an entry's principal ARN names, with its unique id and its ARN as the directory gives it (its
 * name's case, its path), or undefined when it does not exist. An entry is found without case and, for a role or
 * user with a path, by its ARN without the path too (`entryCandidates`), so `…:user/LEAD` and `…:role/ops` map the
 * same principals as `…:user/lead` and `…:role/team/ops`: `training:principalArn` is this ARN, never the spelling
 * written, or a Deny on one spelling (ARN conditions compare with case) is sidestepped by another (review K, K1).
 */
export async function entryPrincipalOf(tx: ReadTx, principalArn: string): Promise<{ id: string; arn: string } | undefined> {
  const p = entryPrincipal(principalArn);
  if (!p) return undefined;
  const found = p.kind === 'user' ? await tx.users.get(p.account, p.name) : await tx.roles.get(p.account, p.name);
  if (found === undefined) return undefined;
  // With its own path or none, as an entry is found (`entryCandidates`, keys without case): an ARN with another path
  // names no principal, and its entry mapped no one, silently (review gk, 4).
  const path = entryPath(principalArn, p);
  if (path !== '/' && path.toLowerCase() !== found.path.toLowerCase()) return undefined;
  return { id: found.id, arn: canonicalPrincipalArn(principalArn, found) };
}

/**
 * Why `principalArn` cannot be an entry's, when it spells its principal in another partition or dialect than its account's
 * (`arn:aws-cn:iam::A:user/x` or `acs:ram::A:user/x` of an `aws` account, `arn:aws:iam::A:user/x` of an `acs` one); else
 * undefined, as for an account not held. Entries are found at authentication by the account's own spelling only
 * (src/core/kube/access-entry.ts `entryCandidates`): one spelt otherwise was taken, tied to the principal, and mapped
 * no one, beside the principal's own entry (review ko, 3).
 */
export async function entryDialectProblem(tx: ReadTx, principalArn: string): Promise<string | undefined> {
  const p = entryPrincipal(principalArn);
  if (!p) return undefined;
  const partition = (await tx.accounts.get(p.account))?.partition;
  if (partition === undefined) return undefined;
  const head = principalArn.slice(0, principalArn.indexOf(`:${p.account}:`) + 1);
  const ownHead = partition === 'acs' ? 'acs:ram::' : 'arn:aws:iam::';
  if (head === ownHead) return undefined;
  const own = partition === 'acs' ? `acs:ram::${p.account}:${p.kind}/${p.name}` : `arn:aws:iam::${p.account}:${p.kind}${entryPath(principalArn, p)}${p.name}`;
  return `\`${principalArn}\` spells ${p.kind} \`${p.name}\` of account ${p.account} as \`${head}\`, but that account's principals are found by their \`${ownHead}\` ARNs (its partition is \`${partition}\`), so this entry would map no one: give \`${own}\``;
}

/** The path an `entryPrincipal` ARN spells (`/` when none, and for `acs`, which has no paths). */
function entryPath(principalArn: string, p: { readonly kind: string; readonly name: string; readonly partition: string }): string {
  if (p.partition === 'acs') return '/';
  const at = principalArn.indexOf(`:${p.kind}/`);
  return at < 0 ? '/' : principalArn.slice(at + p.kind.length + 1, principalArn.length - p.name.length);
}

/**
 * The ARNs an entry of the principal whose own ARN is `arn` (as `entryPrincipalOf` gives it) is found by: with its path,
 * and without it (`entryCandidates`; EKS matches roles without path). An `acs` principal has no path.
 */
export function entrySpellings(arn: string): string[] {
  const p = entryPrincipal(arn);
  if (!p || p.partition === 'acs') return [arn];
  const bare = `${arn.slice(0, arn.indexOf(`:${p.account}:`))}:${p.account}:${p.kind}/${p.name}`;
  return bare.toLowerCase() === arn.toLowerCase() ? [arn] : [arn, bare];
}

/**
 * The access entry of the principal `principalArn` names that is filed under another spelling of its ARN (with or
 * without its path) in `cluster`, or undefined. A principal has one entry per cluster, as in EKS (CreateAccessEntry
 * answers ResourceInUseException): a second one, under the other spelling, was kept beside the first, and the one with
 * the path won at authentication, so a caller allowed to create entries but not to update them changed an existing
 * principal's groups (review gk, 3). An entry made for an earlier principal of the name (another id) does not count.
 */
export async function entryUnderAnotherSpelling(tx: ReadTx, account: string, cluster: string, principalArn: string): Promise<AccessEntry | undefined> {
  const found = await entryPrincipalOf(tx, principalArn);
  if (found === undefined) return undefined;
  const own = accessEntryKey(account, cluster, principalArn);
  for (const arn of entrySpellings(found.arn)) {
    const key = accessEntryKey(account, cluster, arn);
    if (key === own) continue;
    const text = await tx.kv.get(key);
    const e = text === undefined ? undefined : storedEntryRecord(text);
    if (e === undefined) continue;
    if (e.principalId === undefined || e.principalId === found.id) return e;
  }
  return undefined;
}

/** `principalArn` (an `entryPrincipal` ARN) with the name and path of the principal it names. */
function canonicalPrincipalArn(principalArn: string, found: { readonly name: string; readonly path: string }): string {
  const p = entryPrincipal(principalArn);
  if (!p) return principalArn;
  if (p.partition === 'acs') return `acs:ram::${p.account}:${p.kind}/${found.name}`;
  // The partition as written (`arn:aws`, `arn:aws-cn`…): the account's partition is not this function's to say.
  const head = principalArn.slice(0, principalArn.indexOf(`:${p.account}:`));
  return `${head}:${p.account}:${p.kind}${found.path}${found.name}`;
}

export const noPrincipal = (principalArn: string): string => {
  const p = entryPrincipal(principalArn);
  return `${principalArn} is not an existing ${p?.kind ?? 'user or role'}: an access entry maps an IAM principal that exists; create the ${p?.kind ?? 'principal'} first (an entry is tied to the principal, not to its ARN)`;
};

const entryCanon = (e: AccessEntrySpec): Record<string, string> => ({
  principalArn: e.principalArn,
  kubernetesGroups: JSON.stringify([...e.kubernetesGroups].sort()),
  username: e.username ?? '',
});

/** The keys of the entries the apply's AccessEntry documents in `account` write (documents carry their spec). */
function documentEntryKeys(documents: readonly { readonly kind: string; readonly account: string; readonly spec?: unknown }[], account: string): Set<string> {
  return new Set(documents.filter((d) => d.kind === ACCESS_ENTRY_KIND && d.account === account).map((d) => accessEntryKey(account, (d.spec as AccessEntryDoc).cluster, (d.spec as AccessEntryDoc).principalArn)));
}

/** Two documents of one apply may not name the same principal in the same cluster. */
const claimed = new WeakMap<object, Map<string, string>>();

export const accessEntryKind: KindHandler<AccessEntryDoc> = {
  kind: ACCESS_ENTRY_KIND,
  scope: 'account',
  entity: 'group',
  specFields: ['cluster', 'principalArn', 'kubernetesGroups', 'username'],
  readAction: 'training:DescribeAccessEntry',
  listAction: 'training:ListAccessEntries',
  validate(spec, c) {
    const cluster = Object.hasOwn(spec, 'cluster') ? spec['cluster'] : undefined;
    if (typeof cluster !== 'string' || cluster === '') {
      c.error('VALIDATION_ERROR', 'spec.cluster', '`cluster` is required: the name of the cluster the entry belongs to');
      return undefined;
    }
    const r = parseAccessEntrySpec(spec, 'spec');
    if (!r.ok) {
      for (const e of r.errors) c.error(e.code, e.path, e.message);
      return undefined;
    }
    return { ...r.value, cluster };
  },
  async plan(env, o) {
    const exists = await clusterExists(env, o.account, o.spec.cluster);
    if (exists !== true) return noCluster(o.account, o.spec.cluster, 'spec.cluster', exists);
    const key = accessEntryKey(o.account, o.spec.cluster, o.spec.principalArn);
    let seen = claimed.get(env);
    if (!seen) claimed.set(env, (seen = new Map()));
    const other = seen.get(key);
    if (other !== undefined && other !== o.name) return planFail('VALIDATION_ERROR', 'spec.principalArn', `AccessEntry \`${other}\` already maps ${o.spec.principalArn} in cluster ${o.spec.cluster}; a principal has one entry per cluster`);
    seen.set(key, o.name);
    // The principal must exist, in the store or among this apply's documents (created before the entry is written).
    const named = entryPrincipal(o.spec.principalArn);
    const inFiles = named !== undefined && env.documents.some((d) => d.kind === (named.kind === 'user' ? 'User' : 'Role') && d.account === named.account && d.name.toLowerCase() === named.name.toLowerCase());
    // One the same prune deletes would leave the entry tied to a principal gone, and the next plan refusing the file (review ak, 5).
    if (named !== undefined && !inFiles && env.pruned(named.kind === 'user' ? 'User' : 'Role', named.account, named.name)) {
      return planFail('INVALID_INPUT', 'spec.principalArn', `${named.kind} \`${named.name}\` of account ${named.account} is deleted by --prune (no ${named.kind === 'user' ? 'User' : 'Role'} document names it) but mapped here`);
    }
    const principalAccountIsNew = named !== undefined && env.newAccounts.has(named.account);
    const dialect = principalAccountIsNew ? undefined : await entryDialectProblem(env.tx, o.spec.principalArn);
    if (dialect !== undefined) return planFail('VALIDATION_ERROR', 'spec.principalArn', dialect);
    const current = principalAccountIsNew ? undefined : await entryPrincipalOf(env.tx, o.spec.principalArn);
    const currentId = current?.id;
    if (currentId === undefined && !inFiles) return planFail('NO_SUCH_ENTITY', 'spec.principalArn', noPrincipal(o.spec.principalArn));
    // One entry per principal and cluster, whatever spelling of its ARN (review gk, 3): another document of this apply,
    // or a stored entry this apply does not prune, that maps it under the other spelling (with or without its path).
    if (current !== undefined) {
      for (const arn of entrySpellings(current.arn)) {
        const k = accessEntryKey(o.account, o.spec.cluster, arn);
        const by = seen.get(k);
        if (k !== key && by !== undefined && by !== o.name) return planFail('VALIDATION_ERROR', 'spec.principalArn', `AccessEntry \`${by}\` already maps ${current.arn} in cluster ${o.spec.cluster} (its ARN spelt with or without its path); a principal has one entry per cluster`);
        seen.set(k, o.name);
      }
      const other = env.newAccounts.has(o.account) ? undefined : await entryUnderAnotherSpelling(env.tx, o.account, o.spec.cluster, o.spec.principalArn);
      if (other !== undefined && !env.pruned(ACCESS_ENTRY_KIND, o.account, other.name)) {
        return planFail('VALIDATION_ERROR', 'spec.principalArn', `${o.spec.principalArn} already has an access entry in cluster ${o.spec.cluster} as ${other.principalArn} (AccessEntry \`${other.name}\`: its ARN spelt with or without its path); a principal has one entry per cluster: write \`principalArn: ${other.principalArn}\` to change that entry, or delete it first`);
      }
    }
    const text = env.newAccounts.has(o.account) ? undefined : await env.tx.kv.get(key);
    // One that cannot be read is replaced as if there were none (review pi, 9).
    const existing = text === undefined ? undefined : storedEntryRecord(text);
    const fields = existing ? Object.keys(entryCanon(o.spec)).filter((f) => entryCanon(existing)[f] !== entryCanon(o.spec)[f]) : [];
    // An entry of a principal since deleted and created again (or made before ids were recorded) is tied to the one
    // that exists now when applied again.
    if (existing && existing.principalId !== currentId) fields.push('principalId');
    const renamed = existing !== undefined && existing.name !== o.name;
    const clusterName = await clusterNameOf(env, o.account, o.spec.cluster);
    if (existing && fields.length === 0 && !renamed) return planOk({ action: 'unchanged', fields: [], steps: [] });
    const entry = (principalId: string): AccessEntry => ({
      account: o.account,
      cluster: clusterName,
      name: o.name,
      principalArn: o.spec.principalArn,
      principalId,
      kubernetesGroups: o.spec.kubernetesGroups,
      ...(o.spec.username !== undefined ? { username: o.spec.username } : {}),
      created: existing?.created ?? env.now,
      modified: env.now,
    });
    // What the update changes, as a plan lists it (review md, 4): each Kubernetes group the entry gains or loses (what
    // RBAC grants it), and its username.
    const diff: DocumentChange[] = [];
    if (existing) {
      const had = new Set(existing.kubernetesGroups);
      const has = new Set(o.spec.kubernetesGroups);
      for (const g of [...had].sort()) if (!has.has(g)) diff.push({ op: '-', path: 'kubernetesGroups', before: g });
      for (const g of [...has].sort()) if (!had.has(g)) diff.push({ op: '+', path: 'kubernetesGroups', after: g });
      if ((existing.username ?? null) !== (o.spec.username ?? null)) {
        diff.push(existing.username === undefined ? { op: '+', path: 'username', after: o.spec.username } : o.spec.username === undefined ? { op: '-', path: 'username', before: existing.username } : { op: '~', path: 'username', before: existing.username, after: o.spec.username });
      }
    }
    return planOk({
      action: existing ? 'update' : 'create',
      fields: renamed ? [...fields, 'name'] : fields,
      ...(diff.length > 0 ? { diff } : {}),
      steps: [
        {
          phase: PHASE_LINK,
          action: existing ? 'training:UpdateAccessEntry' : 'training:CreateAccessEntry',
          resource: clusterArn(env.partitionOf(o.account), o.account, clusterName),
          account: o.account,
          // The principal's own ARN (review K, K1); one this apply creates is decided on the ARN as written.
          context: accessEntryContext({ ...o.spec, principalArn: current?.arn ?? o.spec.principalArn }),
          view: kvView(key),
          run: async (tx) => {
            const id = await entryPrincipalId(tx, o.spec.principalArn);
            if (id === undefined) return failWith('NO_SUCH_ENTITY', noPrincipal(o.spec.principalArn), 'spec.principalArn');
            await tx.kv.put(key, JSON.stringify(entry(id)));
            return ok(undefined);
          },
        },
        ...asSpelt(env, o.account, o.spec.cluster, clusterName, { phase: PHASE_LINK, action: existing ? 'training:UpdateAccessEntry' : 'training:CreateAccessEntry', context: accessEntryContext({ ...o.spec, principalArn: current?.arn ?? o.spec.principalArn }) }),
      ],
    });
  },
  // Entries of one principal in several clusters have the same name when the CLI made them (`entryName`): a name is
  // listed once, and pruning it deletes every entry of that name. Listed once each and deleted by the first found, a
  // prune deleted one entry twice and left the other (review K, K7).
  async listNames(tx, account) {
    const names = new Map<string, string>();
    for (const e of await listAccessEntries(tx, account)) if (!names.has(e.entry.name.toLowerCase())) names.set(e.entry.name.toLowerCase(), e.entry.name);
    return [...names.values()];
  },
  // An entry is its cluster's and principal's: one a document names under another name is renamed by it, not pruned
  // (review ak, 9: the prune of the old name deleted the entry just renamed). Pruned when no entry of the name is left.
  async claimed(tx, documents, account, name) {
    const keys = documentEntryKeys(documents, account);
    const entries = (await listAccessEntries(tx, account)).filter((e) => e.entry.name.toLowerCase() === name.toLowerCase());
    return entries.length > 0 && entries.every((e) => keys.has(e.key));
  },
  async planDelete(env, ref) {
    const claimedKeys = documentEntryKeys(env.documents, ref.account);
    const hits = (await listAccessEntries(env.tx, ref.account)).filter((e) => e.entry.name.toLowerCase() === ref.name.toLowerCase() && !claimedKeys.has(e.key));
    const steps: Step[] = [];
    for (const hit of hits) {
      const principal = await entryPrincipalOf(env.tx, hit.entry.principalArn);
      steps.push({
        phase: PHASE_DELETE,
        action: 'training:DeleteAccessEntry',
        resource: clusterArn(env.partitionOf(ref.account), ref.account, await clusterNameOf(env, ref.account, hit.entry.cluster)),
        account: ref.account,
        context: accessEntryContext({ ...hit.entry, principalArn: principal?.arn ?? hit.entry.principalArn }),
        view: kvView(hit.key),
        run: async (tx) => ok(await tx.kv.delete(hit.key)),
      });
    }
    return { ok: true, value: steps };
  },
};

// --- What goes with a cluster ------------------------------------------------------------------------------

/** Where a cluster's webhook token is kept (sealed), as src/app/kube.ts writes and reads it. */
export const clusterWebhookKey = (account: string, cluster: string): string => `k8swebhook/${account}/${cluster.toLowerCase()}`;

/**
 * The steps that delete what was applied to a cluster `prune` deletes: each RBAC object and access entry, decided as
 * `training:DeleteRbacObject` / `training:DeleteAccessEntry` with the keys a prune of that object carries, and listed as
 * its own deletion. They run before the cluster's own step, which then removes its webhook token
 * (`deleteClusterContents`).
 */
export async function clusterContentsDeletion(env: Env, account: string, cluster: string): Promise<Step[]> {
  const prefix = kubePrefix(account, cluster);
  const resource = clusterArn(env.partitionOf(account), account, await clusterNameOf(env, account, cluster));
  const steps: Step[] = [];
  for (const row of await env.tx.kv.list(prefix)) {
    const rest = row.key.slice(prefix.length);
    const run = async (tx: WriteTx) => ok(await tx.kv.delete(row.key));
    if (rest.startsWith(`${ACCESS_ENTRY_KIND}/`)) {
      // One that cannot be read goes with its cluster too, named by its key (review pi, 9).
      const arn = rest.slice(`${ACCESS_ENTRY_KIND}/`.length);
      const entry = storedEntryRecord(row.value) ?? { account, cluster, name: arn, principalArn: arn, kubernetesGroups: [], created: '' };
      const principal = await entryPrincipalOf(env.tx, entry.principalArn);
      steps.push({
        phase: PHASE_DELETE_PRINCIPAL,
        action: 'training:DeleteAccessEntry',
        resource,
        account,
        context: accessEntryContext({ ...entry, principalArn: principal?.arn ?? entry.principalArn }),
        alsoChanges: [{ kind: ACCESS_ENTRY_KIND, account, name: entry.name, field: '', delete: true }],
        run,
      });
      continue;
    }
    const [kind = '', namespace = '', ...name] = rest.split('/');
    if (!(RBAC_KINDS as readonly string[]).includes(kind)) continue;
    const stored = storedRbacRecord(row.value);
    const parsed = stored === undefined ? { ok: false as const } : parseRbacObject(stored.document);
    const object = parsed.ok ? parsed.value : { kind: kind as RbacKind, metadata: { namespace, name: name.join('/') } };
    steps.push({
      phase: PHASE_DELETE_PRINCIPAL,
      action: 'training:DeleteRbacObject',
      resource,
      account,
      context: rbacContext(object),
      alsoChanges: [{ kind: rbacKindName(kind as RbacKind), account, name: namespace === '' ? name.join('/') : `${namespace}/${name.join('/')}`, field: '', delete: true }],
      run,
    });
  }
  return steps;
}

/** Removes whatever is still kept under a deleted cluster's name, its webhook token included (see `clusterContentsDeletion`). */
export async function deleteClusterContents(tx: WriteTx, account: string, cluster: string): Promise<void> {
  for (const row of await tx.kv.list(kubePrefix(account, cluster))) await tx.kv.delete(row.key);
  await tx.kv.delete(clusterWebhookKey(account, cluster));
}
