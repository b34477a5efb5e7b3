/**
 * What a kube decision says of an allow: the binding, the subject of it that names the user, and the rule of its
 * role that allows, with the rule written out — `allowed by RoleBinding \`team/rb\` of Role \`pod-reader\` to Group
 * \`devs\`, rules[0] {verbs: [get, list], apiGroups: [""], resources: [pods], resourceNames: [p1]}`. Upstream's
 * reason names the binding and the subject (`RBAC: allowed by RoleBinding "rb/team" of Role "pod-reader" to Group
 * "devs"`); an operator reading a SubjectAccessReview's reason or an audit record also needs the rule (review N, N2).
 */
import type { AuthorizeOptions, CompiledRbac } from './compile.ts';
import type { PolicyRule, RbacAttributes, RbacDecision, RbacGrant } from './types.ts';

/** At most this many entries of a rule's list are written; the rest are counted. */
const SHOWN = 10;

function list(values: readonly string[]): string {
  const shown = values.slice(0, SHOWN).map((v) => (v === '' ? '""' : v));
  return `[${shown.join(', ')}${values.length > SHOWN ? `, …${values.length - SHOWN} more` : ''}]`;
}

/** A rule as it reads in YAML, its empty lists left out. */
export function describeRule(rule: PolicyRule): string {
  const parts: string[] = [`verbs: ${list(rule.verbs)}`];
  if (rule.nonResourceURLs.length > 0) parts.push(`nonResourceURLs: ${list(rule.nonResourceURLs)}`);
  else parts.push(`apiGroups: ${list(rule.apiGroups)}`, `resources: ${list(rule.resources)}`);
  if (rule.resourceNames.length > 0) parts.push(`resourceNames: ${list(rule.resourceNames)}`);
  return `{${parts.join(', ')}}`;
}

/**
 * One grant: its reason, the subject and the rule (written out when the compiled cluster still has the role). A rule of
 * an aggregated ClusterRole is named where it is written, `rules[1] of ClusterRole \`mon-part\` (aggregated)`: the
 * aggregate's own index matched no stored document (its `rules` are the controller's, or none), and the one to tighten
 * is the source's (review pk, 3).
 */
export function explainGrant(cluster: Pick<CompiledRbac, 'rulesOf' | 'ruleSource'>, g: RbacGrant): string {
  const rule = cluster.rulesOf(g.role.kind, g.role.namespace, g.role.name)?.[g.rule];
  const source = cluster.ruleSource(g.role.kind, g.role.name, g.rule);
  const where = source !== undefined ? `rules[${source.rule}] of ClusterRole \`${source.role}\` (aggregated)` : `rules[${g.rule}]`;
  return `${g.reason} to ${g.subject}, ${where}${rule !== undefined ? ` ${describeRule(rule)}` : ''}`;
}

/**
 * The reasons of an allow, each explained by its grant (`CompiledRbac.explain`, the same scan with the same options);
 * a decision that is not an allow is returned as it is.
 */
export function explainReasons(cluster: Pick<CompiledRbac, 'rulesOf' | 'ruleSource' | 'explain'>, attrs: RbacAttributes, d: RbacDecision, options?: AuthorizeOptions): readonly string[] {
  if (d.verdict !== 'allow') return d.reasons;
  const grants = cluster.explain(attrs, options);
  if (grants.length !== d.reasons.length) return d.reasons;
  return grants.map((g) => explainGrant(cluster, g));
}
