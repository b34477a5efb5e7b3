/**
 * GCP-style IAM allow policies (policy-semantics.md §A.4, `google/iam/v1/policy.proto`): a policy attached to a
 * resource binds roles (named sets of permissions) to members, each binding optionally guarded by a condition
 * in a subset of CEL. Gatehouse names: DESIGN.md "GCP-style names".
 */

/** `google.type.Expr` without `location`. */
export interface IamCondition {
  readonly expression: string;
  readonly title?: string;
  readonly description?: string;
}

export interface IamBinding {
  /** `roles/<name>` (predefined) or `accounts/<id>/roles/<name>` (custom). */
  readonly role: string;
  /** `user:<name>`, `group:<name>`, `serviceAccount:<name>@<account>.iam.gatehouse.dev`, `principal://…`, `allUsers`, `allAuthenticatedUsers`. */
  readonly members: readonly string[];
  readonly condition?: IamCondition;
}

export interface IamPolicy {
  /** 0, 1 or 3; a policy with a conditional binding is version 3 (absent is read as the latest). */
  readonly version?: number;
  readonly bindings: readonly IamBinding[];
  /** The etag of the policy this one was read as; on a write, checked against the current one. */
  readonly etag?: string;
}

/** Where a policy sits in the hierarchy account → workspace → resource. */
export type ResourceLevel = 'account' | 'workspace' | 'resource';

export interface ResourceName {
  /** As written: `account/<12 digits>`, `workspace/<name>`, or an ARN (`arn:…`, `acs:…`). */
  readonly name: string;
  readonly level: ResourceLevel;
}

/** A policy as attached to a resource. */
export interface AttachedPolicy {
  readonly resource: string;
  readonly policy: IamPolicy;
}

/** A custom role, `kind: IamRole` (DESIGN.md): referenced as `accounts/<id>/roles/<name>`. */
export interface CustomRole {
  readonly name: string;
  readonly permissions: readonly string[];
  readonly title?: string;
  readonly description?: string;
}

/** A predefined role as its golden file states it (the shape of GCP's `Role` resource). */
export interface PredefinedRole {
  readonly name: string;
  readonly title: string;
  readonly description: string;
  readonly stage: string;
  readonly includedPermissions: readonly string[];
}

/**
 * Who is asking, as the caller resolved it. Group membership is resolved outside the engine (the caller passes
 * the groups the principal is a member of; whether that is transitive is the directory's business).
 */
export interface BindingsPrincipal {
  /** The user's name (`alice` matches `user:alice`). */
  readonly user?: string;
  readonly groups: readonly string[];
  /** A workload running as a role: `<role>@<account>.iam.gatehouse.dev` (matches `serviceAccount:` + this). */
  readonly serviceAccount?: string;
  /** A federated identity, matched by `principal://…` members only; never by `allAuthenticatedUsers`. */
  readonly principalUri?: string;
  /** False for an anonymous request: then only `allUsers` applies, whatever else is set. */
  readonly authenticated: boolean;
}

/** The resource as a CEL condition sees it (`resource.name`, `resource.type`, `resource.service`). */
export interface BindingsResource {
  readonly name: string;
  /**
   * The resource's other names, when a request may give it several (a workspace: `workspace/<name>` and its ARN in
   * either dialect): a condition's comparison of `resource.name` holds when it holds for one of its names, `!=` only
   * when the other side is none of them (review qs, 3).
   */
  readonly aliases?: readonly string[];
  /** E.g. `storage.gatehouse.dev/Object`; absent when unknown (a condition reading it then fails closed). */
  readonly type?: string;
  /** E.g. `storage.gatehouse.dev`; absent when unknown. */
  readonly service?: string;
}

export interface DecideRequest {
  readonly principal: BindingsPrincipal;
  /** `service.resource.verb`, e.g. `storage.objects.get`. */
  readonly permission: string;
  readonly resource: BindingsResource;
  /** `request.time`, epoch milliseconds: the engine never reads the clock. */
  readonly time: number;
}

/** A binding that allowed, as `decide` reports it. */
export interface MatchedBinding {
  /** The resource the policy holding the binding is attached to. */
  readonly resource: string;
  /** Index of the binding in that policy's `bindings`. */
  readonly index: number;
  readonly role: string;
  /** The member that matched the principal. */
  readonly member: string;
  /** The CEL expression of the binding's condition, which held: absent for a binding without one (review dv, 1). */
  readonly condition?: string;
}

export interface BindingsDecision {
  /** GCP allow policies only allow: without an allowing binding the engine has no opinion. */
  readonly verdict: 'allow' | 'no-opinion';
  readonly reasons: readonly string[];
  /** Bindings that could not apply: a condition that failed to evaluate or to parse, a role that does not exist. */
  readonly diagnostics: readonly string[];
  readonly matched: readonly MatchedBinding[];
  /**
   * When explaining and not allowed: the bindings naming the principal that grant the permission but whose condition is
   * false for this request (not one that failed to evaluate), each with its expression (`condition`); absent when none.
   * Who-can lists such principals apart, as those an IAM Allow's condition keeps out (review vg, 4).
   */
  readonly notMet?: readonly MatchedBinding[];
}
