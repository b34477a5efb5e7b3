/**
 * Kubernetes RBAC (`rbac.authorization.k8s.io/v1`), as a pure engine: parse and validate objects, compile a
 * cluster's objects once (aggregation resolved, bindings indexed by subject), decide requests. Semantics:
 * shared/reference/policy-semantics.md §A.3; conformance cases in conformance/rbac.
 */
export { parseRbacObject, parseRbacObjects, type ParseOptions } from './parse.ts';
export { comparableRbacDocument } from './compare.ts';
export { compileRbac, type AuthorizeOptions, type CompiledRbac, type RbacStats } from './compile.ts';
export { aggregateClusterRoles, type Aggregation } from './aggregate.ts';
export {
  AUTHENTICATED_GROUP,
  apiGroupMatches,
  nonResourceURLMatches,
  resourceMatches,
  resourceNameMatches,
  ruleAllows,
  serviceAccountGroups,
  serviceAccountUsername,
  splitServiceAccountUsername,
  subjectMatches,
  verbMatches,
} from './match.ts';
export { selectorMatches } from './selector.ts';
export { labelsMatching, rolesAllowing, rolesBoundTo, subjectsAllowing, type BoundRole, type SubjectAllowed } from './bound.ts';
export { rbacAuthorizer, rbacResult } from './authorizer.ts';
export * from './types.ts';
export { describeRule, explainGrant, explainReasons } from './explain.ts';
