/**
 * ClusterRole aggregation, computed eagerly at compile time instead of by a controller.
 *
 * Upstream (`pkg/controller/clusterroleaggregation`, `syncClusterRole`): a ClusterRole with an
 * `aggregationRule` has its `rules` **overwritten** by the de-duplicated union of the rules of every
 * ClusterRole that matches one of its `clusterRoleSelectors` (ORed), itself excluded — selector by selector,
 * the matching roles in name order, their rules in order, a rule dropped if an equal one is already there.
 * Hand-written `rules` of an aggregated ClusterRole are lost; Gatehouse does the same. An aggregated role
 * selected by another contributes its aggregated rules, so the controller, which re-syncs on every change,
 * converges to a fixpoint; for acyclic aggregation that fixpoint is unique and is what this module computes.
 *
 * Cycles (aggregated roles that select each other, directly or through others) have no unique fixpoint
 * upstream: what the controller settles on depends on the rules the roles started with and the order of the
 * syncs, and hand-written rules can circulate forever. Gatehouse reports each cycle (`RBAC_AGGREGATION_CYCLE`)
 * and takes the least fixpoint: every role on a cycle holds exactly the rules aggregated from outside it —
 * what the controller converges to when the roles are created with empty `rules`, as aggregated roles usually
 * are — and no hand-written rule of a role on the cycle survives.
 */
import { selectorMatches } from './selector.ts';
import type { ClusterRole, PolicyRule } from './types.ts';

export interface Aggregation {
  /** Effective rules of every ClusterRole by name: its own, or for an aggregated one the aggregated rules. */
  readonly rules: ReadonlyMap<string, readonly PolicyRule[]>;
  /** Names of the roles each aggregated ClusterRole draws from, in aggregation order. */
  readonly sources: ReadonlyMap<string, readonly string[]>;
  /** Each cycle as the names of the aggregated ClusterRoles on it, sorted. */
  readonly cycles: readonly (readonly string[])[];
}

/** Equal keys ⇔ equal rules as `equality.Semantic.DeepEqual` sees them: same lists in the same order, absent = empty. */
export function ruleKey(rule: PolicyRule): string {
  return JSON.stringify([rule.verbs, rule.apiGroups, rule.resources, rule.resourceNames, rule.nonResourceURLs]);
}

const byName = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** `roles` must have unique names (compile.ts keeps the last of duplicates). */
export function aggregateClusterRoles(roles: readonly ClusterRole[]): Aggregation {
  const sorted = [...roles].sort((a, b) => byName(a.metadata.name, b.metadata.name));
  const role = new Map<string, ClusterRole>(sorted.map((r) => [r.metadata.name, r]));
  const rules = new Map<string, readonly PolicyRule[]>();
  const sources = new Map<string, readonly string[]>();
  const keys = new Map<PolicyRule, string>();
  const keyOf = (rule: PolicyRule): string => {
    let k = keys.get(rule);
    if (k === undefined) keys.set(rule, (k = ruleKey(rule)));
    return k;
  };

  for (const r of sorted) {
    const agg = r.aggregationRule;
    if (agg === undefined) {
      rules.set(r.metadata.name, r.rules);
      continue;
    }
    rules.set(r.metadata.name, []);
    const from: string[] = [];
    for (const sel of agg.clusterRoleSelectors) {
      for (const s of sorted) if (s !== r && selectorMatches(sel, s.metadata.labels)) from.push(s.metadata.name);
    }
    sources.set(r.metadata.name, from);
  }

  const sync = (name: string): boolean => {
    const seen = new Set<string>();
    const out: PolicyRule[] = [];
    for (const s of sources.get(name) ?? []) {
      for (const rule of rules.get(s) ?? []) {
        const k = keyOf(rule);
        if (!seen.has(k)) {
          seen.add(k);
          out.push(rule);
        }
      }
    }
    // The rule set only grows from the empty start (union is monotone), so an unchanged length is a fixpoint.
    const changed = out.length !== (rules.get(name) ?? []).length;
    rules.set(name, out);
    return changed;
  };

  const cycles: string[][] = [];
  for (const scc of stronglyConnected([...sources.keys()], (n) => (sources.get(n) ?? []).filter((s) => role.get(s)?.aggregationRule !== undefined))) {
    if (scc.length === 1) {
      sync(scc[0] as string);
      continue;
    }
    scc.sort(byName);
    cycles.push(scc);
    let changed = true;
    while (changed) {
      changed = false;
      for (const n of scc) if (sync(n)) changed = true;
    }
  }
  return { rules, sources, cycles };
}

/**
 * Tarjan's algorithm, iterative. Components come out in reverse topological order of the condensation:
 * every component a node depends on is emitted before the node's own.
 */
function stronglyConnected(nodes: readonly string[], edges: (n: string) => readonly string[]): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const out: string[][] = [];
  let next = 0;
  for (const root of nodes) {
    if (index.has(root)) continue;
    const work: { node: string; succ: readonly string[]; i: number }[] = [];
    const enter = (n: string): void => {
      index.set(n, next);
      low.set(n, next);
      next++;
      stack.push(n);
      onStack.add(n);
      work.push({ node: n, succ: edges(n), i: 0 });
    };
    enter(root);
    while (work.length > 0) {
      const top = work[work.length - 1] as { node: string; succ: readonly string[]; i: number };
      if (top.i < top.succ.length) {
        const w = top.succ[top.i++] as string;
        if (!index.has(w)) enter(w);
        else if (onStack.has(w)) low.set(top.node, Math.min(low.get(top.node) as number, index.get(w) as number));
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent !== undefined) low.set(parent.node, Math.min(low.get(parent.node) as number, low.get(top.node) as number));
      if (low.get(top.node) === index.get(top.node)) {
        const scc: string[] = [];
        let w: string;
        do {
          w = stack.pop() as string;
          onStack.delete(w);
          scc.push(w);
        } while (w !== top.node);
        out.push(scc);
      }
    }
  }
  return out;
}
