/**
 * GCP-style IAM bindings: policies `{bindings: [{role, members, condition?}], etag?, version?}` attached to an
 * ARN, `account/<id>` or `workspace/<name>`; predefined roles (golden files in `roles/`) and custom roles; CEL
 * conditions (a documented subset, cel.ts); the effective policy of a resource as the union over its chain;
 * decisions that explain themselves; etags for optimistic concurrency; an authorizer for the union.
 */
export type {
  AttachedPolicy,
  BindingsDecision,
  BindingsPrincipal,
  BindingsResource,
  CustomRole,
  DecideRequest,
  IamBinding,
  IamCondition,
  IamPolicy,
  MatchedBinding,
  PredefinedRole,
  ResourceLevel,
  ResourceName,
} from './types.ts';
export {
  checkRoles,
  conditionDialectErrors,
  customRoleArn,
  customRoleName,
  parseAttachedPolicy,
  parseCustomRole,
  parseIamPolicy,
  publicMembersOnAccount,
  PUBLIC_MEMBERS,
  parseResourceName,
  MAX_MEMBERS_PER_POLICY,
  MAX_CUSTOM_ROLES_PER_ACCOUNT,
  type CheckRolesOptions,
  type ParseOptions,
  type RoleParseOptions,
} from './parse.ts';
export { parseCondition, parseTimestamp, resourceNameEqualities, EvalFailure, MAX_EXPRESSION_CHARS, MAX_LOGICAL_OPERATORS, MAX_NESTING, type CompiledCondition, type ConditionEnv, type ConditionResult, type ResourceNameEquality } from './cel.ts';
export { federatedPrincipalPrefix, federatedPrincipalProviders, federatedPrincipalUri, memberKind, resourceAttributes, serviceAccountEmail, serviceAccountOfArn, roleKind, SERVICE_ACCOUNT_DOMAIN, type MemberKind } from './names.ts';
export { PREDEFINED_ROLES, KNOWN_PERMISSIONS, predefinedRole, predefinedPermissions } from './catalogue.ts';
export { effectiveBindings, compileBindings, type CompileOptions, type CompiledBinding, type CompiledBindings, type EffectiveBinding, type MemberIndex } from './compile.ts';
export { decide, principalMembers, type DecideOptions } from './decide.ts';
export { canonicalPolicy, checkEtag, checkVersion, computeEtag, sameEtag, withEtag, type EtagCheckOptions, type EtagScope } from './etag.ts';
export { ACTION_PERMISSIONS, RELATED_ACTION_PERMISSIONS, actionsForPermission, actionsForPermissionOn, CLUSTER_ARN_RE, CLUSTER_RESOURCE_RE, decidedByIamAlone, isKubernetesObjectRequest, permissionForAction, permissionForKubernetes } from './actions.ts';
export { bindingsAuthorizer, createBindingsAuthorizer, type ActionDecideRequest, type BindingsAuthorizer, type BindingsAuthorizerOptions, type BindingsAuthorizerResult, type BindingsAuthzInput } from './authorizer.ts';
