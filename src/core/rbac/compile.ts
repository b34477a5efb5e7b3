/**
 * The compiled RBAC authorizer for one cluster: aggregation computed eagerly (aggregate.ts), and bindings
 * indexed by subject — for each user name, group and service account, in each scope (cluster-wide and each
 * namespace), one index of everything its bindings grant, by API group, then resource (exact, `*`, or
 * `*\/subresource`), or non-resource URL (exact, prefix, `*`). A decision touches only the indexes of the
 * user, the user's groups and (for a service account) the groups the authenticator adds, in the cluster scope
 * and the request's namespace: a handful of map lookups, however many roles and bindings the cluster has.
 *
 * What it decides is upstream's `RBACAuthorizer.Authorize` over `VisitRulesFor` (policy-semantics.md §A.3):
 * the rules of every ClusterRoleBinding whose subjects match, and — when the request has a namespace — of
 * every RoleBinding in that namespace whose subjects match; allow if one rule allows, otherwise no opinion.
 * Two differences, both invisible to a well-formed request: every allowing binding is reported (upstream stops
 * at the first), and a non-resource request is matched against ClusterRoleBindings only even if it carries a
 * namespace (the API server never gives it one).
 */
import type { GatehouseError } from '../errors.ts';
import { aggregateClusterRoles } from './aggregate.ts';
import { ALL, AUTHENTICATED_GROUP, effectiveGroups, ruleAllows, SERVICE_ACCOUNT_PREFIX, SERVICE_ACCOUNTS_GROUP, serviceAccountUsername, subjectMatches, trimStars } from './match.ts';
import type { ClusterRole, ClusterRoleBinding, PolicyRule, RbacAttributes, RbacDecision, RbacGrant, RbacObject, Role, RoleBinding, Subject } from './types.ts';

export interface RbacStats {
  readonly roles: number;
  readonly clusterRoles: number;
  readonly aggregatedClusterRoles: number;
  readonly roleBindings: number;
  readonly clusterRoleBindings: number;
  /** Bindings whose role does not exist. */
  readonly danglingBindings: number;
}

/** How `CompiledRbac.authorize` reads the user's groups. */
export interface AuthorizeOptions {
  /**
   * Whether a `system:serviceaccount:<ns>:<name>` user is also in the groups the service-account authenticator gives
   * (`system:serviceaccounts`, `system:serviceaccounts:<ns>`, `system:authenticated`) when the request does not list
   * them. Default true: for questions no authenticator answered (the authorize API, who-can; conformance/rbac pins
   * it). False: Group subjects match only the request's groups, as upstream's `appliesToUser` does — for the
   * SubjectAccessReview webhook, whose caller is kube-apiserver's authenticator chain, where an impersonator
   * (`--as=system:serviceaccount:… --as-group=…`) or another authenticator may give such a name without those
   * groups (review R, R3).
   */
  readonly serviceAccountGroups?: boolean;
}

export interface CompiledRbac {
  /** Decide one request. Pure; RBAC never denies. */
  authorize(attrs: RbacAttributes, options?: AuthorizeOptions): RbacDecision;
  /**
   * How `authorize` allows the request, for each of its reasons in the same order: the binding, its role, the subject
   * of the binding that names the user and the index of the first rule that allows (review N, N2). Empty on no
   * opinion. A second scan, for the callers that explain an allow (the webhook, the authorize API): `authorize` itself
   * allocates nothing more for it.
   */
  explain(attrs: RbacAttributes, options?: AuthorizeOptions): readonly RbacGrant[];
  /** A role's effective rules (for an aggregated ClusterRole, the aggregated ones), or undefined if there is none. */
  rulesOf(kind: 'Role' | 'ClusterRole', namespace: string, name: string): readonly PolicyRule[] | undefined;
  /**
   * Where rule `index` of an aggregated ClusterRole's effective rules is written: the ClusterRole whose own `rules` hold
   * it, and its index there. Undefined for a role that aggregates nothing (its rules are its own) and past the end.
   * An explanation naming `rules[N]` of the aggregate pointed at no stored document (review pk, 3).
   */
  ruleSource(kind: 'Role' | 'ClusterRole', name: string, index: number): { readonly role: string; readonly rule: number } | undefined;
  /**
   * The usernames that some binding names (a `User` subject, or a ServiceAccount's `system:serviceaccount:NS:NAME`),
   * each once: who-can finds the IAM sessions a binding names through them (src/app/kube.ts, review eq, 4).
   */
  userNames(): readonly string[];
  /**
   * The groups that some binding names (a `Group` subject), each once: escalation-paths asks which of them may create
   * pods, for a principal that may put itself in one through its access entry (src/app/kube.ts, review fl, 5).
   */
  groupNames(): readonly string[];
  /**
   * What compiling found, none of which stops it: bindings to missing roles (`RBAC_ROLE_NOT_FOUND`),
   * aggregation cycles (`RBAC_AGGREGATION_CYCLE`), objects defined twice (`RBAC_DUPLICATE_OBJECT`, the last
   * wins), and ServiceAccount subjects of a ClusterRoleBinding without a namespace, which never match
   * (`RBAC_MISSING_FIELD`). Paths start with the object's index in the input (`[3].roleRef.name`).
   */
  readonly diagnostics: readonly GatehouseError[];
  readonly stats: RbacStats;
}

/** A binding as an explanation names it (shared by its grants). */
interface BindingInfo {
  readonly binding: RbacGrant['binding'];
  readonly role: RbacGrant['role'];
  readonly subjects: readonly Subject[];
}

/**
 * One rule of a role as granted by one binding: the rule's verbs and names (undefined = any), the binding's reason,
 * the decision to return when it is the only one that allows (shared, frozen), and for `explain` the binding and the
 * rule's index in the role's effective rules.
 */
interface Grant {
  readonly verbs: readonly string[] | undefined;
  readonly names: readonly string[] | undefined;
  readonly reason: string;
  readonly allow: RbacDecision;
  readonly rule: number;
  readonly info: BindingInfo;
}

interface GroupIndex {
  /** Rule resources compared with `resource` or `resource/subresource` (including a literal `*\/x`). */
  readonly exact: Map<string, Grant[]>;
  /** Rules with resource `*`. */
  star: Grant[] | undefined;
  /** Rules with resource `*\/<subresource>`, by subresource; consulted only when the request has one. */
  subWild: Map<string, Grant[]> | undefined;
}

interface UrlIndex {
  readonly exact: Map<string, Grant[]>;
  readonly prefixes: { readonly prefix: string; readonly grant: Grant }[];
  readonly all: Grant[];
}

/**
 * Everything one subject key (a user name, a group, a service account's user name) is granted in one scope
 * (cluster-wide, or one namespace), merged over all of its bindings: a decision costs a few map lookups per
 * key, however many bindings name it.
 */
interface SubjectIndex {
  readonly groups: Map<string, GroupIndex>;
  /** `groups.get('*')`, kept apart so that it is not looked up on every request. */
  anyGroup: GroupIndex | undefined;
  urls: UrlIndex | undefined;
  /** Bindings naming this key whose role is missing. */
  errors: GatehouseError[] | undefined;
}

interface Scope {
  readonly byUser: Map<string, SubjectIndex>;
  readonly byGroup: Map<string, SubjectIndex>;
}

/** A role's rules in index form, before a binding gives them a reason. */
interface RoleEntry {
  readonly verbs: readonly string[] | undefined;
  readonly names: readonly string[] | undefined;
  readonly apiGroups: readonly string[];
  readonly resources: readonly string[];
  readonly urls: readonly string[];
}

const EMPTY: readonly never[] = Object.freeze([]);
const NO_OPINION: RbacDecision = Object.freeze({ verdict: 'no-opinion', reasons: EMPTY, errors: EMPTY });

function push<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const list = m.get(k);
  if (list === undefined) m.set(k, [v]);
  else list.push(v);
}

function roleEntries(rules: readonly PolicyRule[]): RoleEntry[] {
  return rules.map((rule) => ({
    verbs: rule.verbs.includes(ALL) ? undefined : rule.verbs,
    names: rule.resourceNames.length === 0 ? undefined : rule.resourceNames,
    // A rule needs both to match a resource request (an empty list matches nothing).
    apiGroups: rule.resources.length === 0 ? [] : [...new Set(rule.apiGroups)],
    resources: rule.apiGroups.length === 0 ? [] : [...new Set(rule.resources)],
    urls: [...new Set(rule.nonResourceURLs)],
  }));
}

function newSubjectIndex(): SubjectIndex {
  return { groups: new Map(), anyGroup: undefined, urls: undefined, errors: undefined };
}

function addGrant(idx: SubjectIndex, e: RoleEntry, grant: Grant): void {
  for (const g of e.apiGroups) {
    let gi = idx.groups.get(g);
    if (gi === undefined) {
      idx.groups.set(g, (gi = { exact: new Map(), star: undefined, subWild: undefined }));
      if (g === ALL) idx.anyGroup = gi;
    }
    for (const r of e.resources) {
      if (r === ALL) (gi.star ??= []).push(grant);
      else {
        push(gi.exact, r, grant);
        if (r.startsWith('*/') && r.length > 2) push((gi.subWild ??= new Map()), r.slice(2), grant);
      }
    }
  }
  if (e.urls.length > 0) {
    let urls = idx.urls;
    if (urls === undefined) {
      const fresh: UrlIndex = { exact: new Map(), prefixes: [], all: [] };
      idx.urls = urls = fresh;
    }
    for (const u of e.urls) {
      if (u === ALL) urls.all.push(grant);
      else if (u.endsWith('*')) urls.prefixes.push({ prefix: trimStars(u), grant });
      else push(urls.exact, u, grant);
    }
  }
}

/** The namespace of a service account's username (`system:serviceaccount:<ns>:<name>`), else undefined. */
function saNamespaceOf(username: string): string | undefined {
  if (!username.startsWith(SERVICE_ACCOUNT_PREFIX)) return undefined;
  const colon = username.indexOf(':', SERVICE_ACCOUNT_PREFIX.length);
  if (colon <= SERVICE_ACCOUNT_PREFIX.length || colon === username.length - 1 || username.indexOf(':', colon + 1) >= 0) return undefined;
  return username.slice(SERVICE_ACCOUNT_PREFIX.length, colon);
}

const byName = (a: { readonly name: string }, b: { readonly name: string }): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/**
 * Compile a cluster's RBAC objects (as parseRbacObjects returns them). Never fails: what would make the API
 * server or the controllers complain is reported in `diagnostics` and handled as upstream handles it.
 */
export function compileRbac(objects: readonly RbacObject[]): CompiledRbac {
  const diagnostics: GatehouseError[] = [];
  // Last definition wins, as with a second `kubectl apply` of the same name.
  const latest = new Map<string, number>();
  objects.forEach((o, i) => {
    const key = `${o.kind}/${o.metadata.namespace}/${o.metadata.name}`;
    const prev = latest.get(key);
    if (prev !== undefined) {
      diagnostics.push({ code: 'RBAC_DUPLICATE_OBJECT', path: `[${i}]`, message: `${o.kind} \`${qualified(o)}\` is defined again (first at \`[${prev}]\`); this definition replaces it` });
    }
    latest.set(key, i);
  });
  const live = objects.map((o, i) => ({ o, i })).filter(({ o, i }) => latest.get(`${o.kind}/${o.metadata.namespace}/${o.metadata.name}`) === i);

  const clusterRoles: { o: ClusterRole; i: number }[] = [];
  const roles: { o: Role; i: number }[] = [];
  const roleBindings: { o: RoleBinding; i: number }[] = [];
  const clusterRoleBindings: { o: ClusterRoleBinding; i: number }[] = [];
  for (const x of live) {
    switch (x.o.kind) {
      case 'ClusterRole':
        clusterRoles.push({ o: x.o, i: x.i });
        break;
      case 'Role':
        roles.push({ o: x.o, i: x.i });
        break;
      case 'RoleBinding':
        roleBindings.push({ o: x.o, i: x.i });
        break;
      case 'ClusterRoleBinding':
        clusterRoleBindings.push({ o: x.o, i: x.i });
        break;
    }
  }

  const aggregation = aggregateClusterRoles(clusterRoles.map((x) => x.o));
  const indexOfClusterRole = new Map(clusterRoles.map((x) => [x.o.metadata.name, x.i]));
  for (const cycle of aggregation.cycles) {
    diagnostics.push({
      code: 'RBAC_AGGREGATION_CYCLE',
      path: `[${indexOfClusterRole.get(cycle[0] as string) ?? 0}].aggregationRule`,
      message: `aggregated ClusterRoles ${cycle.map((n) => `\`${n}\``).join(', ')} select each other; each holds only the rules aggregated from outside the cycle and their own rules are ignored — change their labels or selectors to break the cycle`,
    });
  }

  // Each rule an aggregated ClusterRole holds is one of another ClusterRole's own rules, the same object (aggregate.ts):
  // by that object, the role and index it is written at (the first, should one object be held twice).
  const writtenAt = new Map<PolicyRule, { readonly role: string; readonly rule: number }>();
  for (const { o } of clusterRoles) {
    if (o.aggregationRule !== undefined) continue;
    o.rules.forEach((rule, i) => {
      if (!writtenAt.has(rule)) writtenAt.set(rule, { role: o.metadata.name, rule: i });
    });
  }

  const effective = new Map<string, readonly PolicyRule[]>();
  const entries = new Map<string, RoleEntry[]>();
  const roleKey = (kind: 'Role' | 'ClusterRole', ns: string, name: string): string => (kind === 'Role' ? `Role/${ns}/${name}` : `ClusterRole//${name}`);
  for (const { o } of clusterRoles) effective.set(roleKey('ClusterRole', '', o.metadata.name), aggregation.rules.get(o.metadata.name) ?? o.rules);
  for (const { o } of roles) effective.set(roleKey('Role', o.metadata.namespace, o.metadata.name), o.rules);
  const entriesOf = (key: string): RoleEntry[] | undefined => {
    let e = entries.get(key);
    if (e === undefined) {
      const rules = effective.get(key);
      if (rules === undefined) return undefined;
      entries.set(key, (e = roleEntries(rules)));
    }
    return e;
  };

  const cluster: Scope = { byUser: new Map(), byGroup: new Map() };
  const namespaces = new Map<string, Scope>();
  let dangling = 0;

  const add = (b: RoleBinding | ClusterRoleBinding, i: number): void => {
    const ns = b.kind === 'RoleBinding' ? b.metadata.namespace : '';
    const ref = b.roleRef;
    const role = entriesOf(roleKey(ref.kind, ns, ref.name));
    const bindingName = ns === '' ? b.metadata.name : `${ns}/${b.metadata.name}`;
    let error: GatehouseError | undefined;
    if (role === undefined) {
      dangling++;
      error = {
        code: 'RBAC_ROLE_NOT_FOUND',
        path: `[${i}].roleRef.name`,
        message:
          ref.kind === 'Role'
            ? `${b.kind} \`${bindingName}\` refers to Role \`${ref.name}\`, which does not exist in namespace \`${ns}\`; create the Role or correct \`roleRef\``
            : `${b.kind} \`${bindingName}\` refers to ClusterRole \`${ref.name}\`, which does not exist; create the ClusterRole or correct \`roleRef\``,
      };
      diagnostics.push(error);
    }
    const reason = `allowed by ${b.kind} \`${bindingName}\` of ${ref.kind} \`${ref.name}\``;
    const allow: RbacDecision = Object.freeze({ verdict: 'allow', reasons: Object.freeze([reason]), errors: EMPTY });
    const info: BindingInfo = { binding: { kind: b.kind, namespace: ns, name: b.metadata.name }, role: { kind: ref.kind, namespace: ref.kind === 'Role' ? ns : '', name: ref.name }, subjects: b.subjects };
    const grants = (role ?? []).map((e, rule) => ({ entry: e, grant: { verbs: e.verbs, names: e.names, reason, allow, rule, info } satisfies Grant }));
    let scope = cluster;
    if (ns !== '') {
      scope = namespaces.get(ns) ?? { byUser: new Map(), byGroup: new Map() };
      namespaces.set(ns, scope);
    }
    const done = new Set<string>();
    const into = (m: Map<string, SubjectIndex>, key: string): void => {
      // A binding naming one key twice (a user, and the same user as a ServiceAccount subject) counts once.
      const k = `${m === scope.byUser ? 'u' : 'g'}:${key}`;
      if (done.has(k)) return;
      done.add(k);
      let idx = m.get(key);
      if (idx === undefined) m.set(key, (idx = newSubjectIndex()));
      if (error !== undefined) (idx.errors ??= []).push(error);
      for (const { entry, grant } of grants) addGrant(idx, entry, grant);
    };
    b.subjects.forEach((s, j) => {
      switch (s.kind) {
        case 'User':
          into(scope.byUser, s.name);
          break;
        case 'Group':
          into(scope.byGroup, s.name);
          break;
        case 'ServiceAccount': {
          const saNs = s.namespace !== '' ? s.namespace : ns;
          if (saNs === '') {
            diagnostics.push({
              code: 'RBAC_MISSING_FIELD',
              path: `[${i}].subjects[${j}].namespace`,
              message: `ServiceAccount subject \`${s.name}\` of ClusterRoleBinding \`${bindingName}\` has no namespace and matches no one; set \`namespace\``,
            });
          } else into(scope.byUser, serviceAccountUsername(saNs, s.name));
          break;
        }
      }
    });
  };
  // In name order, so that the indexes, and so the order of reasons, do not depend on the order of the objects.
  const ordered = <T extends { o: RoleBinding | ClusterRoleBinding }>(xs: T[]): T[] =>
    xs.sort((a, b) => byName({ name: `${a.o.metadata.namespace}/${a.o.metadata.name}` }, { name: `${b.o.metadata.namespace}/${b.o.metadata.name}` }));
  for (const { o, i } of ordered(clusterRoleBindings)) add(o, i);
  for (const { o, i } of ordered(roleBindings)) add(o, i);

  // Per-request scratch: what the scan found. authorize is synchronous and never re-entered, so one set of
  // variables per compiled cluster serves every call; each call starts by resetting them.
  let first: Grant | undefined;
  /** The first allowing grant of each other binding, in the order found. */
  let more: Grant[] | undefined;
  const seen = (g: Grant): boolean => first !== undefined && (g.reason === first.reason || (more !== undefined && more.some((x) => x.reason === g.reason)));
  let errors: GatehouseError[] | undefined;
  let verb = '';
  let name = '';

  const found = (list: readonly Grant[] | undefined): void => {
    if (list === undefined) return;
    for (let i = 0; i < list.length; i++) {
      const g = list[i] as Grant;
      if (seen(g)) continue;
      if ((g.verbs === undefined || g.verbs.includes(verb)) && (g.names === undefined || g.names.includes(name))) {
        if (first === undefined) first = g;
        else (more ??= []).push(g);
      }
    }
  };
  const inGroup = (gi: GroupIndex | undefined, combined: string, sub: string): void => {
    if (gi === undefined) return;
    found(gi.exact.get(combined));
    if (gi.star !== undefined) found(gi.star);
    if (sub !== '' && gi.subWild !== undefined) found(gi.subWild.get(sub));
  };
  const visit = (idx: SubjectIndex | undefined, attrs: RbacAttributes, apiGroup: string, combined: string, sub: string): void => {
    if (idx === undefined) return;
    if (idx.errors !== undefined) for (const e of idx.errors) if (errors === undefined) errors = [e]; else if (!errors.includes(e)) errors.push(e);
    if (attrs.resourceRequest) {
      inGroup(idx.groups.get(apiGroup), combined, sub);
      if (apiGroup !== ALL) inGroup(idx.anyGroup, combined, sub);
      return;
    }
    const urls = idx.urls;
    if (urls === undefined) return;
    const path = attrs.path ?? '';
    found(urls.all);
    found(urls.exact.get(path));
    for (const p of urls.prefixes) {
      const g = p.grant;
      if (!path.startsWith(p.prefix) || (g.verbs !== undefined && !g.verbs.includes(verb))) continue;
      if (first === undefined) first = g;
      else if (!seen(g)) (more ??= []).push(g);
    }
  };
  const visitScope = (scope: Scope | undefined, attrs: RbacAttributes, saNamespace: string | undefined, apiGroup: string, combined: string, sub: string): void => {
    if (scope === undefined) return;
    const user = attrs.user;
    visit(scope.byUser.get(user.name), attrs, apiGroup, combined, sub);
    const groups = user.groups;
    for (let i = 0; i < groups.length; i++) visit(scope.byGroup.get(groups[i] as string), attrs, apiGroup, combined, sub);
    if (saNamespace !== undefined) {
      // The groups the service-account authenticator adds (serviceaccount.MakeGroupNames, plus system:authenticated).
      if (!groups.includes(SERVICE_ACCOUNTS_GROUP)) visit(scope.byGroup.get(SERVICE_ACCOUNTS_GROUP), attrs, apiGroup, combined, sub);
      const nsGroup = `${SERVICE_ACCOUNTS_GROUP}:${saNamespace}`;
      if (!groups.includes(nsGroup)) visit(scope.byGroup.get(nsGroup), attrs, apiGroup, combined, sub);
      if (!groups.includes(AUTHENTICATED_GROUP)) visit(scope.byGroup.get(AUTHENTICATED_GROUP), attrs, apiGroup, combined, sub);
    }
  };

  /** The scan of `authorize`, leaving what it found in `first`, `more` and `errors`. */
  const scan = (attrs: RbacAttributes, options?: AuthorizeOptions): void => {
    first = undefined;
    more = undefined;
    errors = undefined;
    verb = attrs.verb;
    name = attrs.name ?? '';
    const sub = attrs.subresource ?? '';
    const resource = attrs.resource ?? '';
    const combined = sub === '' ? resource : `${resource}/${sub}`;
    const apiGroup = attrs.apiGroup ?? '';
    const saNamespace = options?.serviceAccountGroups === false ? undefined : saNamespaceOf(attrs.user.name);
    visitScope(cluster, attrs, saNamespace, apiGroup, combined, sub);
    const ns = attrs.resourceRequest ? (attrs.namespace ?? '') : '';
    if (ns !== '') visitScope(namespaces.get(ns), attrs, saNamespace, apiGroup, combined, sub);
  };

  const authorize = (attrs: RbacAttributes, options?: AuthorizeOptions): RbacDecision => {
    scan(attrs, options);
    const f = first as Grant | undefined;
    const e = errors as GatehouseError[] | undefined;
    const m = more as Grant[] | undefined;
    if (f === undefined) return e === undefined ? NO_OPINION : { verdict: 'no-opinion', reasons: EMPTY, errors: e };
    if (m === undefined && e === undefined) return f.allow;
    return { verdict: 'allow', reasons: m === undefined ? [f.reason] : [f.reason, ...m.map((g) => g.reason)], errors: e ?? EMPTY };
  };

  /**
   * The first rule of a grant's role that allows: the scan meets a binding's rules in index order (exact resource before
   * `*` and `*\/<subresource>`, exact group before `*`, exact URL before a prefix), not the role's, so a rule before the
   * one found may allow too; an operator tightening the role from the explanation must be shown that one (review em, 1).
   * Only the rules before the one found are tried.
   */
  const firstAllowing = (g: Grant, attrs: RbacAttributes): number => {
    const rules = effective.get(roleKey(g.info.role.kind, g.info.role.namespace, g.info.role.name));
    if (rules !== undefined) for (let i = 0; i < g.rule; i++) if (ruleAllows(attrs, rules[i] as PolicyRule)) return i;
    return g.rule;
  };

  const explain = (attrs: RbacAttributes, options?: AuthorizeOptions): readonly RbacGrant[] => {
    scan(attrs, options);
    const f = first as Grant | undefined;
    if (f === undefined) return EMPTY;
    const found = [f, ...((more as Grant[] | undefined) ?? [])];
    const groups = options?.serviceAccountGroups === false ? attrs.user.groups : effectiveGroups(attrs.user);
    return found.map((g) => {
      const ns = g.info.binding.kind === 'RoleBinding' ? g.info.binding.namespace : '';
      // The user itself (User, ServiceAccount) before its groups, as the scan visits them.
      const s = g.info.subjects.find((x) => x.kind !== 'Group' && subjectMatches(x, attrs.user, groups, ns)) ?? g.info.subjects.find((x) => subjectMatches(x, attrs.user, groups, ns));
      const subject = s === undefined ? 'no subject' : s.kind === 'ServiceAccount' ? `ServiceAccount \`${s.namespace !== '' ? s.namespace : ns}/${s.name}\`` : `${s.kind} \`${s.name}\``;
      return { reason: g.reason, binding: g.info.binding, role: g.info.role, subject, rule: firstAllowing(g, attrs) };
    });
  };

  return {
    authorize,
    explain,
    rulesOf: (kind, namespace, name) => effective.get(roleKey(kind, kind === 'Role' ? namespace : '', name)),
    ruleSource: (kind, name, index) => {
      if (kind !== 'ClusterRole' || !aggregation.sources.has(name)) return undefined;
      const rule = effective.get(roleKey('ClusterRole', '', name))?.[index];
      return rule === undefined ? undefined : writtenAt.get(rule);
    },
    userNames: () => [...new Set([...cluster.byUser.keys(), ...[...namespaces.values()].flatMap((sc) => [...sc.byUser.keys()])])],
    groupNames: () => [...new Set([...cluster.byGroup.keys(), ...[...namespaces.values()].flatMap((sc) => [...sc.byGroup.keys()])])],
    diagnostics,
    stats: {
      roles: roles.length,
      clusterRoles: clusterRoles.length,
      aggregatedClusterRoles: aggregation.sources.size,
      roleBindings: roleBindings.length,
      clusterRoleBindings: clusterRoleBindings.length,
      danglingBindings: dangling,
    },
  };
}

const qualified = (o: RbacObject): string => (o.metadata.namespace === '' ? o.metadata.name : `${o.metadata.namespace}/${o.metadata.name}`);
