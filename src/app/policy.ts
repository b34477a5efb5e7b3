/**
 * Policy use cases that need no directory: validate one document, and decide one request against a set of
 * documents given as text. Pure: the caller reads the files and supplies the clock, so the CLI, the HTTP
 * adapter and tests all share exactly this code path.
 */
import type { GatehouseError, Result } from '../core/errors.ts';
import { accountOf, compilePolicy, contextKeyConflict, contextKeyProblem, contextOf, evaluate, isConditionKeyName, isTagKey, parsePolicy, principalFromArn, renderDecision } from '../core/iam/index.ts';
import type { CompiledPolicy, Decision, PolicyDocument, PolicyKind, PolicySet, PolicyType } from '../core/iam/index.ts';

import { POLICY_KINDS, REQUEST_SOURCE } from './policy-names.ts';
import { resourceRefusal } from './request-resource.ts';
import { resourcePolicyMaxChars } from './resource-policy-limits.ts';
import { MAX_ACTION_CHARS, MAX_CONTEXT_VALUE_CHARS, MAX_CONTEXT_VALUES, MAX_PRINCIPAL_CHARS } from './question-bounds.ts';

export { POLICY_KINDS, REQUEST_SOURCE };

/** The grammar each role in an evaluation is written in: boundaries and session policies are identity policies. */
const KIND_OF_TYPE: Readonly<Record<PolicyType, PolicyKind>> = {
  identity: 'identity',
  boundary: 'identity',
  session: 'identity',
  resource: 'resource',
  trust: 'trust',
};

/**
 * Validate one policy document. `input` is the JSON text (errors then carry line and column), or a value
 * already parsed from another notation such as YAML (errors then carry only their JSON path). Checked as a write
 * checks it (`written`, as the IAM API, /v1 and apply do): `policy validate` said `valid` of documents every write
 * refuses, a RAM `NotPrincipal` or a trust policy granting `s3:GetObject` (review ov, 2). `resource`, for a resource
 * policy: the resource it is attached to, whose limit it is held to.
 */
export function validatePolicy(input: string | unknown, kind: PolicyKind, resource?: string): Result<PolicyDocument> {
  // A resource policy on `resource` is held to that resource's limit, as the server holds it: 32,768 on a KMS key (review qx, 4).
  const maxChars = kind === 'resource' && resource !== undefined ? resourcePolicyMaxChars(resource) : undefined;
  return parsePolicy(input, { kind, written: true, ...(maxChars !== undefined ? { maxChars } : {}) });
}

export interface PolicyText {
  readonly type: PolicyType;
  /** Names the policy in errors and explanations (the CLI uses the file name). */
  readonly name: string;
  /** JSON text, or a value already parsed from another notation (see `validatePolicy`). */
  readonly text: string | unknown;
}

/** Context values as given at an edge: one value or several (multi-valued key). */
export type ContextInput = Readonly<Record<string, string | number | boolean | readonly (string | number | boolean)[]>>;

export interface EvaluationInput {
  /** At most one `boundary` and one `trust` policy. */
  readonly policies: readonly PolicyText[];
  readonly principal: string;
  readonly action: string;
  readonly resource: string;
  readonly resourceAccount?: string;
  readonly context?: ContextInput;
  readonly explain?: boolean;
  /** Epoch milliseconds of the request (`aws:CurrentTime`); supplied by the caller, this module reads no clock. */
  readonly time?: number;
}

export interface Evaluation {
  readonly decision: Decision;
  /** With `explain`: the readable multi-line rendering. */
  readonly explanation?: string;
}

/** An error and where it came from: the name of the policy, or `request` for the request itself. */
export interface SourcedError extends GatehouseError {
  readonly source: string;
}

export type EvaluationResult = { readonly ok: true; readonly value: Evaluation } | { readonly ok: false; readonly errors: readonly SourcedError[] };


/** An action the engine can be asked about: `service:Name`, no wildcards (a request names one action). */
const REQUEST_ACTION_RE = /^[A-Za-z0-9_-]+:[A-Za-z0-9_.-]+$/;
const ACCOUNT_RE = /^\d{1,20}$/;

/**
 * Decide one request against policies given as text. Every policy and the request are checked first, and all
 * their errors are returned together; nothing is evaluated unless all of them are valid.
 */
export function evaluatePolicies(input: EvaluationInput): EvaluationResult {
  const errors: SourcedError[] = [];
  const fromRequest = (e: GatehouseError): SourcedError => ({ ...e, source: REQUEST_SOURCE });

  const compiled: { type: PolicyType; policy: CompiledPolicy }[] = [];
  for (const p of input.policies) {
    // As the server would take them (`written`): a document every write refuses is an invalid policy here, not a
    // decision the server would never make (review ov, 3).
    // A resource policy is held to the server's limit for the resource asked about: 32,768 on a KMS key, 20,480 elsewhere.
    // Every one was held to 20,480, and a key policy the server stores and decides by was refused here (review qx, 1).
    const maxChars = p.type === 'resource' ? resourcePolicyMaxChars(input.resource) : undefined;
    const parsed = parsePolicy(p.text, { kind: KIND_OF_TYPE[p.type], written: true, ...(maxChars !== undefined ? { maxChars } : {}) });
    if (parsed.ok) compiled.push({ type: p.type, policy: compilePolicy(parsed.value, p.name) });
    else errors.push(...parsed.errors.map((e) => ({ ...e, source: p.name })));
  }

  // The bounds the server holds a question to (src/app/authorize.ts), in its words: a 3,000-character principal, a
  // 200-character action or a 5,000-character context value was decided here, and the server refuses each (review qx, 5).
  const quoted = (x: string): string => (x.length > 100 ? `${x.slice(0, 100)}…` : x);
  const principal: ReturnType<typeof principalFromArn> =
    input.principal.length > MAX_PRINCIPAL_CHARS
      ? { ok: false, errors: [{ code: 'VALIDATION_ERROR', path: 'principal', message: `\`principal\` is ${input.principal.length} characters; an ARN is at most ${MAX_PRINCIPAL_CHARS}, got \`${quoted(input.principal)}\`` }] }
      : principalFromArn(input.principal);
  if (!principal.ok) errors.push(...principal.errors.map(fromRequest));

  if (input.action.length > MAX_ACTION_CHARS) {
    errors.push(fromRequest({ code: 'REQUEST_INVALID_ACTION', path: 'action', message: `action \`${quoted(input.action)}\` is ${input.action.length} characters; an action is at most ${MAX_ACTION_CHARS}` }));
  } else if (!REQUEST_ACTION_RE.test(input.action)) {
    errors.push(fromRequest({ code: 'REQUEST_INVALID_ACTION', path: 'action', message: `action \`${input.action}\` must look like \`service:ActionName\` (no wildcards: a request names one action)` }));
  }
  // As the server reads it (authorize, simulate): `ml-datasets/x` for `arn:aws:s3:::ml-datasets/x` was decided, and
  // matched no statement, an ImplicitDeny that was the typo's, not the policy's (review readme, gh 6).
  const resource = resourceRefusal(input.resource);
  if (resource !== undefined) errors.push(fromRequest({ code: 'VALIDATION_ERROR', path: 'resource', message: resource }));
  if (input.resourceAccount !== undefined && !ACCOUNT_RE.test(input.resourceAccount)) {
    errors.push(fromRequest({ code: 'REQUEST_INVALID_CONTEXT', path: 'resourceAccount', message: `resource account \`${input.resourceAccount}\` must be an account id (digits only)` }));
  }
  // The key as the caller first wrote it, for errors (keys differing only in case share one list of values).
  const named = new Map<string, string>();
  for (const key of Object.keys(input.context ?? {})) {
    if (!named.has(key.toLowerCase())) named.set(key.toLowerCase(), key);
    if (!isConditionKeyName(key)) {
      errors.push(fromRequest({ code: 'REQUEST_INVALID_CONTEXT', path: `context.${key}`, message: `context key \`${key}\` must be a non-empty name of at most 256 characters without control characters, with spaces only in a tag key after \`/\`, such as \`aws:SourceIp\` or \`aws:ResourceTag/Cost Center\`` }));
    }
  }
  let total = 0;
  for (const [key, v] of Object.entries(input.context ?? {})) {
    const values = Array.isArray(v) ? (v as readonly (string | number | boolean)[]) : [v as string | number | boolean];
    const long = values.find((x) => String(x).length > MAX_CONTEXT_VALUE_CHARS);
    total += values.length;
    if (total > MAX_CONTEXT_VALUES) {
      errors.push(fromRequest({ code: 'REQUEST_INVALID_CONTEXT', path: `context.${key}`, message: `the context holds at most ${MAX_CONTEXT_VALUES} values in all: send only the values the policies read` }));
      break;
    }
    if (long !== undefined) errors.push(fromRequest({ code: 'REQUEST_INVALID_CONTEXT', path: `context.${key}`, message: `a value of \`${key}\` is ${String(long).length} characters; the limit is ${MAX_CONTEXT_VALUE_CHARS}: shorten it` }));
  }
  const context = contextOf({ ...(input.context ?? {}) });
  // A typed global key the engine could not read, or a list for a single-valued key (review N, N2).
  for (const [key, values] of context) {
    const name = named.get(key) ?? key;
    // A tag key: one value under each spelling (review kd, 3).
    if (isTagKey(key)) {
      for (const [k, v] of Object.entries(input.context ?? {})) {
        if (k.toLowerCase() !== key) continue;
        const problem = contextKeyProblem(k, contextOf({ [k]: v }).get(key) ?? []);
        if (problem !== undefined) errors.push(fromRequest({ code: 'REQUEST_INVALID_CONTEXT', path: `context.${k}`, message: `context key ${problem}` }));
      }
      continue;
    }
    const problem = contextKeyProblem(name, values);
    if (problem !== undefined) errors.push(fromRequest({ code: 'REQUEST_INVALID_CONTEXT', path: `context.${name}`, message: `context key ${problem}` }));
  }
  // One key under both dialects' names with different values, as the server refuses it (review ug, 1).
  const conflict = contextKeyConflict(context, named);
  if (conflict !== undefined) errors.push(fromRequest({ code: 'REQUEST_INVALID_CONTEXT', path: `context.${conflict.key}`, message: conflict.message }));

  if (errors.length > 0 || !principal.ok) return { ok: false, errors };

  const set = policySet(compiled);
  const explain = input.explain ?? false;
  // The resource's owner: given, else its ARN's account, else the principal's (`--resource-account`'s documented
  // default), which the engine decides by and `aws:ResourceAccount` reads alike (review my, 5: the key was left
  // without a value, so a data perimeter on it refused the principal's own bucket).
  const resourceAccount = input.resourceAccount ?? accountOf(input.resource) ?? (principal.value.account !== '' ? principal.value.account : undefined);
  const decision = evaluate(
    {
      principal: principal.value,
      action: input.action,
      resource: input.resource,
      ...(resourceAccount !== undefined ? { resourceAccount } : {}),
      context,
      ...(input.time !== undefined ? { time: input.time } : {}),
    },
    set,
    { explain },
  );
  return { ok: true, value: explain ? { decision, explanation: renderDecision(decision) } : { decision } };
}

function policySet(compiled: readonly { type: PolicyType; policy: CompiledPolicy }[]): PolicySet {
  const of = (t: PolicyType): CompiledPolicy[] => compiled.filter((c) => c.type === t).map((c) => c.policy);
  const single = (t: 'boundary' | 'trust'): CompiledPolicy | undefined => {
    const all = of(t);
    // A caller bug, not bad input: an edge offers one slot for each.
    if (all.length > 1) throw new Error(`at most one ${t} policy may be given, got ${all.length}`);
    return all[0];
  };
  const boundary = single('boundary');
  const trust = single('trust');
  const session = of('session');
  const resource = of('resource');
  return {
    identity: of('identity'),
    ...(boundary ? { boundary } : {}),
    ...(session.length > 0 ? { session } : {}),
    ...(resource.length > 0 ? { resource } : {}),
    ...(trust ? { trust } : {}),
  };
}
