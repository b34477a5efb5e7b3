import type { CompiledPolicy } from './compile.ts';

/**
 * Types of the JSON policy dialects (AWS IAM and Alibaba Cloud RAM): the parsed document, the request the
 * engine decides, and the decision with its explanation. Semantics: shared/reference/policy-semantics.md §A.1–A.2.
 */

/** `aws`: `Version` 2012-10-17 / 2008-10-17 / absent. `acs`: Alibaba RAM, `Version: "1"`. */
export type Dialect = 'aws' | 'acs';

/** Where a policy is attached decides which grammar applies (Principal required, forbidden…). */
export type PolicyKind = 'identity' | 'resource' | 'trust';

/** Which role a policy plays in one evaluation. */
export type PolicyType = 'identity' | 'boundary' | 'session' | 'resource' | 'trust';

export type PolicyVersion = '2012-10-17' | '2008-10-17' | '1' | undefined;

export type Effect = 'Allow' | 'Deny';

/** Principal element, canonicalised: `*`, or every key's values as arrays. */
export type PrincipalSpec =
  | '*'
  | {
      readonly AWS?: readonly string[];
      readonly RAM?: readonly string[];
      readonly Service?: readonly string[];
      readonly Federated?: readonly string[];
      readonly CanonicalUser?: readonly string[];
    };

/**
 * The unique id of a user (`AIDA…`) or a role (`AROA…`) as Gatehouse issues it: the prefix and 17 base-32
 * characters (src/core/directory/rules.ts `ID_PREFIX`, `uniqueId`). A `Principal` holds one where it named a
 * user or role by ARN and that entity was deleted (reference §A.1.5: "IAM stores user and role ARNs in trust
 * policies as unique IDs"); it matches that entity's sessions and nothing once the entity is gone.
 */
export const PRINCIPAL_ID_RE = /^A(?:IDA|ROA)[A-Z2-7]{17}$/;

/** The base condition operators (without `ForAllValues:`/`ForAnyValue:` and `IfExists`). */
export const BASE_OPERATORS = [
  'StringEquals',
  'StringNotEquals',
  'StringEqualsIgnoreCase',
  'StringNotEqualsIgnoreCase',
  'StringLike',
  'StringNotLike',
  'NumericEquals',
  'NumericNotEquals',
  'NumericLessThan',
  'NumericLessThanEquals',
  'NumericGreaterThan',
  'NumericGreaterThanEquals',
  'DateEquals',
  'DateNotEquals',
  'DateLessThan',
  'DateLessThanEquals',
  'DateGreaterThan',
  'DateGreaterThanEquals',
  'Bool',
  'BinaryEquals',
  'IpAddress',
  'NotIpAddress',
  'ArnEquals',
  'ArnLike',
  'ArnNotEquals',
  'ArnNotLike',
  'Null',
] as const;
export type BaseOperator = (typeof BASE_OPERATORS)[number];

export type SetQualifier = 'ForAllValues' | 'ForAnyValue';

export interface ConditionEntry {
  /** The operator as written, e.g. `ForAnyValue:StringLikeIfExists`. */
  readonly operator: string;
  readonly base: BaseOperator;
  readonly qualifier: SetQualifier | undefined;
  readonly ifExists: boolean;
  /** The key as written (keys compare case-insensitively). */
  readonly key: string;
  /** Policy values, as strings (JSON numbers and booleans are stringified as IAM does). */
  readonly values: readonly string[];
}

export interface Statement {
  /** Position in the document's `Statement` (0 when `Statement` is a single object). */
  readonly index: number;
  readonly sid: string | undefined;
  readonly effect: Effect;
  readonly action: readonly string[] | undefined;
  readonly notAction: readonly string[] | undefined;
  readonly resource: readonly string[] | undefined;
  readonly notResource: readonly string[] | undefined;
  readonly principal: PrincipalSpec | undefined;
  readonly notPrincipal: PrincipalSpec | undefined;
  readonly conditions: readonly ConditionEntry[];
}

export interface PolicyDocument {
  readonly version: PolicyVersion;
  readonly dialect: Dialect;
  readonly id: string | undefined;
  readonly statements: readonly Statement[];
}

/** The policies that bear on one request; compile each with `compilePolicy`. */
export interface PolicySet {
  readonly identity: readonly CompiledPolicy[];
  readonly boundary?: CompiledPolicy | undefined;
  readonly session?: readonly CompiledPolicy[] | undefined;
  readonly resource?: readonly CompiledPolicy[] | undefined;
  /** Set only when deciding `sts:AssumeRole*` on a role: its trust policy. */
  readonly trust?: CompiledPolicy | undefined;
}

// ---------------------------------------------------------------------------------------------------------
// Requests

/**
 * Who makes the request. `arn` is the identity's own ARN: a user ARN, the account root ARN, the session ARN
 * of an assumed role (`arn:aws:sts::A:assumed-role/R/S`, or `acs:ram::A:role/R/S`), a federated-user ARN,
 * or a service principal name (`training.gatehouse.dev`).
 */
export type PrincipalKind = 'root' | 'user' | 'role-session' | 'federated-user' | 'web-identity' | 'service' | 'anonymous';

export interface Principal {
  readonly kind: PrincipalKind;
  readonly arn: string;
  readonly partition: Dialect;
  /** 12-digit account id; `` for services and anonymous callers. */
  readonly account: string;
  /** For role sessions: the role's ARN (`arn:aws:iam::A:role/path/R`). */
  readonly roleArn?: string;
  /**
   * For a role named by its ARN rather than a session's (`principalFromArn` of `…:role/R`): it stands for any session of
   * the role, under a made-up session name (`session`). A statement naming one session's ARN grants it nothing and does
   * not exempt it from a `NotPrincipal` Deny: the session it names is one that whoever assumes the role may or may not
   * pick (reference §A.1.2 table: "IAM role | any session of that role"; review nw, 1).
   */
  readonly anySession?: true;
  /**
   * For a group simulated without a caller (SimulatePrincipalPolicy on `…:group/G`, no `CallerArn`): any user of it, whose
   * name, unique id and ARN are not known (`arn` is the group's), so `aws:username`, `aws:userid` and `aws:PrincipalArn`
   * have no value, as its tags have none (review qf, 2: it was decided as the caller of the API).
   */
  readonly anyMember?: true;
  /**
   * For a federated user (GetFederationToken): the IAM user that federated, by ARN and unique id. A resource policy
   * naming that user applies to the session, its Allow under the user's boundary and the session policy (reference
   * §A.1.2 table, row "IAM user that federated"; policy review fs, 1).
   */
  readonly federatedFrom?: { readonly arn: string; readonly id: string };
  /** For web-identity sessions before a role is assumed: the identity provider (the `Federated` value). */
  readonly provider?: string;
  /** `aws:userid`: user id, `ROLEID:session`, or the account id for root. */
  readonly userId?: string;
  /** Principal tags (for sessions, session tags already merged over the role's tags). */
  readonly tags?: Readonly<Record<string, string>>;
  /**
   * A console sign-in opened with a long-term key, as the principal of its own question: it acts as that key (no
   * `session`, so no session's condition keys), but to STS it is session credentials (review ik, 1), refused
   * GetSessionToken and GetFederationToken as STS refuses them (review ol, 3).
   */
  readonly consoleSignIn?: true;
  /** Set for temporary credentials. */
  readonly session?: {
    readonly name: string;
    /** Epoch milliseconds. */
    readonly issuedAt: number;
    readonly sourceIdentity?: string;
    /** For a session from `AssumeRoleWithWebIdentity`: the OIDC provider's ARN and the token's subject. */
    readonly federated?: { readonly provider: string; readonly sub: string };
  };
}

/** Request context: lowercased key → values. Build one with `contextOf`. */
export type Context = ReadonlyMap<string, readonly string[]>;

export interface AuthzRequest {
  readonly principal: Principal;
  readonly action: string;
  readonly resource: string;
  /** Account owning the resource; derived from the resource ARN when absent, else the principal's account. */
  readonly resourceAccount?: string;
  readonly context?: Context;
  /** Epoch milliseconds of the request, the source of `aws:CurrentTime` and `aws:EpochTime`. */
  readonly time?: number;
  /**
   * Lowercased prefixes of context keys whose values exist but cannot be read where the request is decided (a replica
   * asked about an object of the S3 gateway: `s3:existingobjecttag/`). A condition on such a key fails closed, as one
   * whose value does not parse: a Deny applies, an Allow does not (review mc, 1).
   */
  readonly unreadable?: readonly string[];
  /**
   * The ARN of what the resource lies in, where its own ARN does not say (a job's workspace, a node's cluster): set by
   * enforcement only, never read from a question. Bindings' conditions read `resource.name` with it (review uh, 2).
   */
  readonly container?: string;
}

// ---------------------------------------------------------------------------------------------------------
// Decisions

export type DecisionValue = 'Allow' | 'ExplicitDeny' | 'ImplicitDeny';

export interface StatementRef {
  readonly policy: string;
  readonly type: PolicyType;
  readonly index: number;
  readonly sid: string | undefined;
  readonly effect: Effect;
  /**
   * The statement's conditions, `<operator> <key>` each as written (`IpAddress aws:SourceIp`); absent when it has none.
   * A statement that matched held only because these held: who-can tells a conditional grant from an unconditional
   * one by them (review dv, 1).
   */
  readonly conditions?: readonly string[];
}

/**
 * A statement that did not apply for this request's values, or applied only by failing closed: a condition that did
 * not hold or could not be read, or (`operator` `Resource`/`NotResource`, `key` the variable as written) a resource
 * pattern reading a policy variable the request has no value for (policy review ir, 3), or (`operator` `NotPrincipal`,
 * `key` the principal's ARN) a NotPrincipal Deny that lists the principal and applies to it all the same, for its
 * permissions boundary (policy review ir, 4).
 */
export interface ConditionFailure {
  readonly policy: string;
  readonly type: PolicyType;
  readonly index: number;
  readonly sid: string | undefined;
  /** The statement's effect: an Allow whose condition failed grants nothing here, a Deny's lifts nothing. */
  readonly effect: Effect;
  readonly operator: string;
  readonly key: string;
  readonly reason: string;
  /**
   * Set when the note is no condition but a `Principal` (`NotPrincipal`) naming the principal's user or role in another
   * case than its own, which an Allow (an exemption) does not match (policy review qe, 2): `key` is the name as written.
   */
  readonly otherCase?: true;
}

export interface Decision {
  readonly decision: DecisionValue;
  /** Every statement whose action, resource, principal and conditions all matched. */
  readonly matched: readonly StatementRef[];
  /** For a deny: the policy type that blocked (for an explicit deny, the type holding the Deny). */
  readonly deniedBy: PolicyType | undefined;
  /** For an allow: how it was reached. */
  readonly allowedBy: 'identity' | 'resource' | 'root' | undefined;
  /** One sentence a human can read. */
  readonly summary: string;
  /**
   * With `explain`: statements whose action and resource matched but a condition did not hold, or could not be
   * evaluated (a request value that does not parse for its operator: then a Deny still applies, fails closed).
   */
  readonly conditionFailures: readonly ConditionFailure[];
}
