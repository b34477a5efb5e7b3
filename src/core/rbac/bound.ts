/**
 * The roles a user is bound to in one namespace: what `VisitRulesFor` (`pkg/registry/rbac/validation/rule.go`) visits
 * the rules of — the ClusterRole of every ClusterRoleBinding whose subjects name the user, and the role of every
 * RoleBinding in the namespace that does. Whoever may rewrite one of them, or (for an aggregated ClusterRole) write a
 * ClusterRole its selectors match, changes what the user may do without writing a binding (escalation-paths).
 */
import { subjectMatches } from './match.ts';
import { selectorMatches } from './selector.ts';
import type { ClusterRole, LabelSelector, RbacObject, RbacUser, Role } from './types.ts';

export interface BoundRole {
  readonly kind: 'Role' | 'ClusterRole';
  /** `` for a ClusterRole. */
  readonly namespace: string;
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  /** An aggregated ClusterRole's selectors: a ClusterRole any one of them matches adds its rules to this one. */
  readonly selectors?: readonly LabelSelector[];
}

/** Each bound role once, in the order of the bindings; bindings to missing roles name none. `user.groups` as given. */
export function rolesBoundTo(objects: readonly RbacObject[], user: RbacUser, namespace: string): BoundRole[] {
  const roles = new Map<string, Role | ClusterRole>();
  for (const o of objects) if (o.kind === 'Role' || o.kind === 'ClusterRole') roles.set(`${o.kind}/${o.metadata.namespace}/${o.metadata.name}`, o);
  const out = new Map<string, BoundRole>();
  for (const o of objects) {
    if (o.kind !== 'ClusterRoleBinding' && (o.kind !== 'RoleBinding' || namespace === '' || o.metadata.namespace !== namespace)) continue;
    if (!o.subjects.some((s) => subjectMatches(s, user, user.groups, o.metadata.namespace))) continue;
    const key = `${o.roleRef.kind}/${o.roleRef.kind === 'Role' ? o.metadata.namespace : ''}/${o.roleRef.name}`;
    const r = roles.get(key);
    if (r === undefined || out.has(key)) continue;
    const selectors = r.kind === 'ClusterRole' ? r.aggregationRule?.clusterRoleSelectors : undefined;
    out.set(key, { kind: r.kind, namespace: r.metadata.namespace, name: r.metadata.name, labels: r.metadata.labels, ...(selectors !== undefined ? { selectors } : {}) });
  }
  return [...out.values()];
}

/**
 * Labels a new ClusterRole carries to be matched by `selector`: its `matchLabels`, the first value of each `In`, `true`
 * for each `Exists`; `NotIn` and `DoesNotExist` hold of an absent label. Undefined when no labels match (an `In` and a
 * `NotIn` of the same values).
 */
export function labelsMatching(selector: LabelSelector): Record<string, string> | undefined {
  const labels: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [k, v] of Object.entries(selector.matchLabels)) labels[k] = v;
  for (const r of selector.matchExpressions) {
    if (Object.hasOwn(labels, r.key)) continue;
    if (r.operator === 'In' && r.values[0] !== undefined) labels[r.key] = r.values[0];
    else if (r.operator === 'Exists') labels[r.key] = 'true';
  }
  return selectorMatches(selector, labels) ? { ...labels } : undefined;
}
