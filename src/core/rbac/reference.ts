/**
 * A deliberately simple RBAC evaluator, for differential tests of the compiled one (compile.ts): no index,
 * upstream's `VisitRulesFor` walked literally over every binding, `RuleAllows` per rule (match.ts), and
 * aggregation by naive iteration (sync every aggregated ClusterRole, from empty rules, until nothing changes)
 * instead of aggregate.ts's ordered components. Slow on purpose; not exported by index.ts.
 */
import { ruleKey } from './aggregate.ts';
import { effectiveGroups, ruleAllows, subjectMatches } from './match.ts';
import { selectorMatches } from './selector.ts';
import type { ClusterRole, PolicyRule, RbacAttributes, RbacObject } from './types.ts';

export interface ReferenceDecision {
  readonly allowed: boolean;
  /** Same wording as the compiled engine, unordered. */
  readonly reasons: readonly string[];
  /** Paths (`[i].roleRef.name`) of the matching bindings whose role is missing. */
  readonly missing: readonly string[];
}

export function referenceAggregate(clusterRoles: readonly ClusterRole[]): Map<string, readonly PolicyRule[]> {
  const rules = new Map<string, readonly PolicyRule[]>();
  for (const r of clusterRoles) rules.set(r.metadata.name, r.aggregationRule === undefined ? r.rules : []);
  const sorted = [...clusterRoles].sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0));
  let changed = true;
  while (changed) {
    changed = false;
    for (const r of sorted) {
      if (r.aggregationRule === undefined) continue;
      const seen = new Set<string>();
      for (const sel of r.aggregationRule.clusterRoleSelectors) {
        for (const s of sorted) {
          if (s === r || !selectorMatches(sel, s.metadata.labels)) continue;
          for (const rule of rules.get(s.metadata.name) ?? []) seen.add(ruleKey(rule));
        }
      }
      const before = new Set((rules.get(r.metadata.name) ?? []).map(ruleKey));
      if (seen.size !== before.size || [...seen].some((k) => !before.has(k))) {
        changed = true;
        rules.set(
          r.metadata.name,
          [...seen].map((k) => {
            const [verbs, apiGroups, resources, resourceNames, nonResourceURLs] = JSON.parse(k) as string[][];
            return { verbs: verbs ?? [], apiGroups: apiGroups ?? [], resources: resources ?? [], resourceNames: resourceNames ?? [], nonResourceURLs: nonResourceURLs ?? [] };
          }),
        );
      }
    }
  }
  return rules;
}

export function referenceAuthorize(objects: readonly RbacObject[], attrs: RbacAttributes): ReferenceDecision {
  const last = new Map<string, number>();
  objects.forEach((o, i) => last.set(`${o.kind}/${o.metadata.namespace}/${o.metadata.name}`, i));
  const live = objects.map((o, i) => ({ o, i })).filter(({ o, i }) => last.get(`${o.kind}/${o.metadata.namespace}/${o.metadata.name}`) === i);
  const clusterRoleRules = referenceAggregate(live.flatMap(({ o }) => (o.kind === 'ClusterRole' ? [o] : [])));
  const roleRules = (kind: 'Role' | 'ClusterRole', ns: string, name: string): readonly PolicyRule[] | undefined => {
    if (kind === 'ClusterRole') return clusterRoleRules.get(name);
    for (const { o } of live) if (o.kind === 'Role' && o.metadata.namespace === ns && o.metadata.name === name) return o.rules;
    return undefined;
  };
  const groups = effectiveGroups(attrs.user);
  const reasons = new Set<string>();
  const missing = new Set<string>();
  const namespace = attrs.resourceRequest ? (attrs.namespace ?? '') : '';
  for (const pass of ['ClusterRoleBinding', 'RoleBinding'] as const) {
    if (pass === 'RoleBinding' && namespace === '') break;
    for (const { o, i } of live) {
      if (o.kind !== pass) continue;
      const ns = o.kind === 'RoleBinding' ? o.metadata.namespace : '';
      if (o.kind === 'RoleBinding' && ns !== namespace) continue;
      if (!o.subjects.some((s) => subjectMatches(s, attrs.user, groups, ns))) continue;
      const rules = roleRules(o.roleRef.kind, ns, o.roleRef.name);
      if (rules === undefined) {
        missing.add(`[${i}].roleRef.name`);
        continue;
      }
      if (rules.some((r) => ruleAllows(attrs, r))) {
        reasons.add(`allowed by ${o.kind} \`${ns === '' ? o.metadata.name : `${ns}/${o.metadata.name}`}\` of ${o.roleRef.kind} \`${o.roleRef.name}\``);
      }
    }
  }
  return { allowed: reasons.size > 0, reasons: [...reasons], missing: [...missing] };
}
