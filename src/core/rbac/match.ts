/**
 * Rule and subject matching, one plain function per upstream helper so each can be read against its source:
 * `pkg/apis/rbac/v1/evaluation_helpers.go` (VerbMatches, APIGroupMatches, ResourceMatches,
 * ResourceNameMatches, NonResourceURLMatches), `plugin/pkg/auth/authorizer/rbac/rbac.go` (RuleAllows),
 * `pkg/registry/rbac/validation/rule.go` (appliesToUser) and `pkg/serviceaccount/util.go` (usernames).
 * All comparisons are exact and case-sensitive. The compiled engine (compile.ts) indexes rules instead of
 * calling these per rule; the reference evaluator (reference.ts) calls them, and the two are tested against
 * each other.
 */
import type { PolicyRule, RbacAttributes, RbacUser, Subject } from './types.ts';

export const ALL = '*';
export const SERVICE_ACCOUNT_PREFIX = 'system:serviceaccount:';
export const SERVICE_ACCOUNTS_GROUP = 'system:serviceaccounts';
export const AUTHENTICATED_GROUP = 'system:authenticated';

export function verbMatches(rule: PolicyRule, verb: string): boolean {
  for (const v of rule.verbs) if (v === ALL || v === verb) return true;
  return false;
}

export function apiGroupMatches(rule: PolicyRule, apiGroup: string): boolean {
  for (const g of rule.apiGroups) if (g === ALL || g === apiGroup) return true;
  return false;
}

/**
 * `combined` is `resource` or `resource/subresource`. An entry matches if it is `*`, equals `combined`, or
 * — only when the request has a subresource — is exactly `*\/<subresource>`. So `pods` never covers
 * `pods/log`, and `pods/*` is not a wildcard.
 */
export function resourceMatches(rule: PolicyRule, combined: string, subresource: string): boolean {
  for (const r of rule.resources) {
    if (r === ALL || r === combined) return true;
    if (subresource !== '' && r.length === subresource.length + 2 && r.startsWith('*/') && r.endsWith(subresource)) return true;
  }
  return false;
}

/** An empty list allows any name; otherwise the name must be listed (so the empty name of `create` never is). */
export function resourceNameMatches(rule: PolicyRule, name: string): boolean {
  if (rule.resourceNames.length === 0) return true;
  return rule.resourceNames.includes(name);
}

/** `*`, an exact path, or an entry ending in `*` whose other characters are a plain string prefix of the path. */
export function nonResourceURLMatches(rule: PolicyRule, path: string): boolean {
  for (const u of rule.nonResourceURLs) {
    if (u === ALL || u === path) return true;
    if (u.endsWith('*') && path.startsWith(trimStars(u))) return true;
  }
  return false;
}

/** Go's `strings.TrimRight(s, "*")`. */
export function trimStars(s: string): string {
  let end = s.length;
  while (end > 0 && s.charCodeAt(end - 1) === 42) end--;
  return s.slice(0, end);
}

/** `resource` or `resource/subresource`. */
export function combinedResource(resource: string, subresource: string): string {
  return subresource === '' ? resource : `${resource}/${subresource}`;
}

export function ruleAllows(attrs: RbacAttributes, rule: PolicyRule): boolean {
  if (attrs.resourceRequest) {
    const sub = attrs.subresource ?? '';
    return (
      verbMatches(rule, attrs.verb) &&
      apiGroupMatches(rule, attrs.apiGroup ?? '') &&
      resourceMatches(rule, combinedResource(attrs.resource ?? '', sub), sub) &&
      resourceNameMatches(rule, attrs.name ?? '')
    );
  }
  return verbMatches(rule, attrs.verb) && nonResourceURLMatches(rule, attrs.path ?? '');
}

/** `system:serviceaccount:<namespace>:<name>`. */
export function serviceAccountUsername(namespace: string, name: string): string {
  return `${SERVICE_ACCOUNT_PREFIX}${namespace}:${name}`;
}

/** The namespace and name of a service account's username, or undefined if `username` is not one. */
export function splitServiceAccountUsername(username: string): { namespace: string; name: string } | undefined {
  if (!username.startsWith(SERVICE_ACCOUNT_PREFIX)) return undefined;
  const rest = username.slice(SERVICE_ACCOUNT_PREFIX.length);
  const colon = rest.indexOf(':');
  if (colon <= 0 || colon === rest.length - 1 || rest.indexOf(':', colon + 1) >= 0) return undefined;
  return { namespace: rest.slice(0, colon), name: rest.slice(colon + 1) };
}

/**
 * The groups the service-account authenticator gives a service account's user
 * (`serviceaccount.MakeGroupNames` plus the authenticated-group adder), or none for another user.
 */
export function serviceAccountGroups(username: string): readonly string[] {
  const sa = splitServiceAccountUsername(username);
  return sa === undefined ? [] : [SERVICE_ACCOUNTS_GROUP, `${SERVICE_ACCOUNTS_GROUP}:${sa.namespace}`, AUTHENTICATED_GROUP];
}

/** The user's groups, with the service-account groups added for a service account's user. */
export function effectiveGroups(user: RbacUser): readonly string[] {
  const extra = serviceAccountGroups(user.name).filter((g) => !user.groups.includes(g));
  return extra.length === 0 ? user.groups : [...user.groups, ...extra];
}

/**
 * Whether a subject names the user. `bindingNamespace` is the RoleBinding's namespace, or `` for a
 * ClusterRoleBinding: a ServiceAccount subject without a namespace defaults to it, and so never matches in a
 * ClusterRoleBinding. Groups are compared with `groups` (pass effectiveGroups(user)).
 */
export function subjectMatches(subject: Subject, user: RbacUser, groups: readonly string[], bindingNamespace: string): boolean {
  switch (subject.kind) {
    case 'User':
      return user.name === subject.name;
    case 'Group':
      return groups.includes(subject.name);
    case 'ServiceAccount': {
      const ns = subject.namespace !== '' ? subject.namespace : bindingNamespace;
      return ns !== '' && user.name === serviceAccountUsername(ns, subject.name);
    }
  }
}
