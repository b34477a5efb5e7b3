/**
 * Kubernetes RBAC (`rbac.authorization.k8s.io/v1`): the four object kinds as the parser returns them, the
 * request attributes the authorizer decides, and its decision. Semantics: shared/reference/policy-semantics.md
 * §A.3, after `kubernetes/kubernetes` `plugin/pkg/auth/authorizer/rbac` and `pkg/apis/rbac/v1`.
 *
 * Parsed objects are normalised: absent lists are empty lists, defaulted fields hold their default (the v1
 * defaulting of `roleRef.apiGroup` and of User/Group subjects' `apiGroup`), labels are a null-prototype record.
 */
import type { GatehouseError } from '../errors.ts';

export const RBAC_API_GROUP = 'rbac.authorization.k8s.io';
export const RBAC_API_VERSION = 'rbac.authorization.k8s.io/v1';

export const RBAC_KINDS = ['Role', 'ClusterRole', 'RoleBinding', 'ClusterRoleBinding'] as const;
export type RbacKind = (typeof RBAC_KINDS)[number];

export const SUBJECT_KINDS = ['User', 'Group', 'ServiceAccount'] as const;
export type SubjectKind = (typeof SUBJECT_KINDS)[number];

export const SELECTOR_OPERATORS = ['In', 'NotIn', 'Exists', 'DoesNotExist'] as const;
export type SelectorOperator = (typeof SELECTOR_OPERATORS)[number];

/** `PolicyRule`. A resource rule has apiGroups and resources; a non-resource rule has only nonResourceURLs. */
export interface PolicyRule {
  readonly verbs: readonly string[];
  readonly apiGroups: readonly string[];
  readonly resources: readonly string[];
  readonly resourceNames: readonly string[];
  readonly nonResourceURLs: readonly string[];
}

export interface LabelSelectorRequirement {
  readonly key: string;
  readonly operator: SelectorOperator;
  readonly values: readonly string[];
}

/** `metav1.LabelSelector`: every requirement must hold (AND); an empty selector selects everything. */
export interface LabelSelector {
  readonly matchLabels: Readonly<Record<string, string>>;
  readonly matchExpressions: readonly LabelSelectorRequirement[];
}

export interface ObjectMeta {
  readonly name: string;
  /** `` for cluster-scoped objects (a namespace given on one is ignored, as the API server does). */
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
}

export interface Role {
  readonly kind: 'Role';
  readonly metadata: ObjectMeta;
  readonly rules: readonly PolicyRule[];
}

export interface ClusterRole {
  readonly kind: 'ClusterRole';
  readonly metadata: ObjectMeta;
  readonly rules: readonly PolicyRule[];
  /** Selectors are ORed; the aggregated rules replace `rules` (see aggregate.ts). */
  readonly aggregationRule?: { readonly clusterRoleSelectors: readonly LabelSelector[] };
}

export interface Subject {
  readonly kind: SubjectKind;
  readonly name: string;
  /** `` when absent. A ServiceAccount subject of a RoleBinding defaults to the binding's namespace. */
  readonly namespace: string;
  /** `rbac.authorization.k8s.io` for User and Group, `` for ServiceAccount. */
  readonly apiGroup: string;
}

export interface RoleRef {
  readonly kind: 'Role' | 'ClusterRole';
  readonly name: string;
  readonly apiGroup: typeof RBAC_API_GROUP;
}

export interface RoleBinding {
  readonly kind: 'RoleBinding';
  readonly metadata: ObjectMeta;
  readonly subjects: readonly Subject[];
  readonly roleRef: RoleRef;
}

export interface ClusterRoleBinding {
  readonly kind: 'ClusterRoleBinding';
  readonly metadata: ObjectMeta;
  readonly subjects: readonly Subject[];
  readonly roleRef: RoleRef & { readonly kind: 'ClusterRole' };
}

export type RbacObject = Role | ClusterRole | RoleBinding | ClusterRoleBinding;

/** The authenticated user, as the authenticator hands it to the authorizer (`user.Info`). */
export interface RbacUser {
  readonly name: string;
  readonly groups: readonly string[];
  readonly uid?: string;
  readonly extra?: Readonly<Record<string, readonly string[]>>;
}

/**
 * The request attributes (`authorizer.Attributes`). Strings absent or `` mean "none", as upstream: a
 * cluster-scoped resource or a non-resource URL has namespace ``, a request without a subresource has
 * subresource ``, and `create` (and list/watch/deletecollection of a whole collection) has name ``.
 * The caller sets namespace `` for cluster-scoped resources (nodes, namespaces, clusterroles…), as the API
 * server's request-info resolver does: RBAC does not know which resources are namespaced.
 */
export interface RbacAttributes {
  readonly user: RbacUser;
  readonly verb: string;
  /** false for a non-resource URL such as `/healthz`; then only `verb` and `path` count, and the namespace is ignored. */
  readonly resourceRequest: boolean;
  readonly namespace?: string;
  readonly apiGroup?: string;
  readonly resource?: string;
  readonly subresource?: string;
  readonly name?: string;
  readonly path?: string;
}

/** RBAC never denies: it allows, or has no opinion and leaves the decision to the next authorizer. */
export type RbacVerdict = 'allow' | 'no-opinion';

export interface RbacDecision {
  readonly verdict: RbacVerdict;
  /**
   * Every binding that allows, as "allowed by RoleBinding `kubeflow/x` of Role `y`" or "allowed by
   * ClusterRoleBinding `z` of ClusterRole `w`", each once: ClusterRoleBindings first, then RoleBindings;
   * within each, those found through the user's name before those found through the groups, in the order of
   * `user.groups`. The order does not depend on the order of the objects. Empty on no-opinion.
   */
  readonly reasons: readonly string[];
  /** Bindings that apply to the user but name a missing role (`RBAC_ROLE_NOT_FOUND`): they grant nothing. */
  readonly errors: readonly GatehouseError[];
}

/** How one binding allows a request: through which of its subjects, and by which rule of its role. */
export interface RbacGrant {
  /** The reason it explains (`allowed by RoleBinding \`ns/x\` of Role \`y\``). */
  readonly reason: string;
  readonly binding: { readonly kind: 'RoleBinding' | 'ClusterRoleBinding'; readonly namespace: string; readonly name: string };
  readonly role: { readonly kind: 'Role' | 'ClusterRole'; readonly namespace: string; readonly name: string };
  /** The subject that names the user: `User \`alice\``, `Group \`admins\``, `ServiceAccount \`team/builder\``. */
  readonly subject: string;
  /** Index of the first rule of the role's effective rules that allows. */
  readonly rule: number;
}
