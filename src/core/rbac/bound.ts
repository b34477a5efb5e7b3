/**
 * The roles a user is bound to in one namespace: what `VisitRulesFor` (`pkg/registry/rbac/validation/rule.go`) visits
 * the rules of — the ClusterRole of every ClusterRoleBinding whose subjects name the user, and the role of every
 * RoleBinding in the namespace that does. Whoever may rewrite one of them, or (for an aggregated ClusterRole) write a
 * ClusterRole its selectors match, changes what the user may do without writing a binding (escalation-paths).
 */
import { ruleAllows, serviceAccountUsername, subjectMatches } from './match.ts';
import type { CompiledRbac } from './compile.ts';
import { selectorMatches } from './selector.ts';
import type { ClusterRole, LabelSelector, RbacAttributes, RbacObject, RbacUser, Role, SubjectKind } from './types.ts';

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

/** The most label sets `labelsMatching` answers for one selector (its `In` values, combined over keys). */
export const MAX_MATCHING_LABEL_SETS = 16;

/**
 * Label sets a new ClusterRole may carry to be matched by `selector`, each one that does: its `matchLabels`, for a key
 * under `In`, each value every `In` of the key lists and no `NotIn` of it excludes (in the order of the first `In`),
 * for a key only under `Exists`, `true` (or `true-N` when a `NotIn` excludes that); `NotIn` and `DoesNotExist` hold of
 * an absent label. The requirements of one key are ANDed (`labels.Requirement.Matches` per requirement): taken one by
 * one, with the first `In` value only, `In [a, b]` with `NotIn [a]` answered no labels, and so did `In [a, b]` with
 * `In [b, c]`, while `b` is matched; and a writer allowed only `b` (a `training:RbacLabels` condition) was never asked
 * about it (review rm, 1). Each `In` value is a set of its own, up to `MAX_MATCHING_LABEL_SETS`. None when no labels
 * can match (an `In` and a `NotIn` of the same values).
 */
export function labelsMatching(selector: LabelSelector): Record<string, string>[] {
  const fixed = new Map<string, string>(Object.entries(selector.matchLabels));
  const choices = new Map<string, string[]>();
  const excluded = new Map<string, Set<string>>();
  const exists = new Set<string>();
  for (const r of selector.matchExpressions) {
    if (r.operator === 'In') {
      const was = choices.get(r.key);
      choices.set(r.key, was === undefined ? [...new Set(r.values)] : was.filter((v) => r.values.includes(v)));
    } else if (r.operator === 'NotIn') {
      const set = excluded.get(r.key) ?? new Set<string>();
      for (const v of r.values) set.add(v);
      excluded.set(r.key, set);
    } else if (r.operator === 'Exists') exists.add(r.key);
  }
  const keys: [string, string[]][] = [];
  for (const [key, values] of choices) {
    if (fixed.has(key)) continue;
    keys.push([key, values.filter((v) => !excluded.get(key)?.has(v))]);
  }
  for (const key of exists) {
    if (fixed.has(key) || choices.has(key)) continue;
    let v = 'true';
    for (let n = 1; excluded.get(key)?.has(v); n++) v = `true-${n}`;
    keys.push([key, [v]]);
  }
  let sets: Record<string, string>[] = [Object.fromEntries(fixed)];
  for (const [key, values] of keys) {
    const next: Record<string, string>[] = [];
    for (const set of sets) for (const v of values) if (next.length < MAX_MATCHING_LABEL_SETS) next.push({ ...set, [key]: v });
    sets = next;
  }
  return sets.filter((labels) => selectorMatches(selector, labels));
}

/**
 * The roles whose rules allow `attrs` (the user ignored) where a binding could give them: each Role of the request's
 * namespace and each ClusterRole, by its effective rules (an aggregated one's aggregated rules). Whoever may bind one
 * to its own user gets the request allowed (escalation-paths).
 */
export function rolesAllowing(objects: readonly RbacObject[], rbac: Pick<CompiledRbac, 'rulesOf'>, attrs: Omit<RbacAttributes, 'user'>): BoundRole[] {
  const out: BoundRole[] = [];
  const request: RbacAttributes = { ...attrs, user: { name: '', groups: [] } };
  for (const o of objects) {
    if (o.kind !== 'ClusterRole' && (o.kind !== 'Role' || o.metadata.namespace !== (attrs.namespace ?? '') || o.metadata.namespace === '')) continue;
    const rules = rbac.rulesOf(o.kind, o.metadata.namespace, o.metadata.name) ?? [];
    if (rules.some((r) => ruleAllows(request, r))) out.push({ kind: o.kind, namespace: o.metadata.namespace, name: o.metadata.name, labels: o.metadata.labels });
  }
  return out;
}

/** A subject of a binding whose role allows a request (who-can, review ne, 3): who, and by which binding and role. */
export interface SubjectAllowed {
  readonly kind: SubjectKind;
  /** A User's or Group's name; a ServiceAccount's username (`system:serviceaccount:NS:NAME`). */
  readonly name: string;
  /** `RoleBinding NS/NAME` or `ClusterRoleBinding NAME`. */
  readonly binding: string;
  /** `Role NS/NAME` or `ClusterRole NAME`. */
  readonly role: string;
}

/**
 * The subjects of each binding that applies to the request's namespace and whose role's effective rules allow `attrs`
 * (the user ignored), in the order of the bindings: every user and group RBAC lets in, whoever authenticated them.
 * A ServiceAccount subject of a ClusterRoleBinding without a namespace matches no one (`subjectMatches`): left out.
 */
export function subjectsAllowing(objects: readonly RbacObject[], rbac: Pick<CompiledRbac, 'rulesOf'>, attrs: Omit<RbacAttributes, 'user'>): SubjectAllowed[] {
  const request: RbacAttributes = { ...attrs, user: { name: '', groups: [] } };
  const namespace = attrs.namespace ?? '';
  const out: SubjectAllowed[] = [];
  for (const o of objects) {
    if (o.kind !== 'ClusterRoleBinding' && (o.kind !== 'RoleBinding' || namespace === '' || o.metadata.namespace !== namespace)) continue;
    const roleNs = o.roleRef.kind === 'Role' ? o.metadata.namespace : '';
    const rules = rbac.rulesOf(o.roleRef.kind, roleNs, o.roleRef.name) ?? [];
    if (!rules.some((r) => ruleAllows(request, r))) continue;
    const binding = o.kind === 'RoleBinding' ? `RoleBinding ${o.metadata.namespace}/${o.metadata.name}` : `ClusterRoleBinding ${o.metadata.name}`;
    const role = o.roleRef.kind === 'Role' ? `Role ${roleNs}/${o.roleRef.name}` : `ClusterRole ${o.roleRef.name}`;
    for (const sub of o.subjects) {
      if (sub.kind !== 'ServiceAccount') {
        out.push({ kind: sub.kind, name: sub.name, binding, role });
        continue;
      }
      const ns = sub.namespace !== '' ? sub.namespace : o.metadata.namespace;
      if (ns !== '') out.push({ kind: sub.kind, name: serviceAccountUsername(ns, sub.name), binding, role });
    }
  }
  return out;
}
