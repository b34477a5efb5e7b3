/**
 * The shape of an authorize-API conformance case (resource policies and cross-account), and a hand-written
 * validator that rejects unknown fields and wrong types, so that a typo in a case file (`"expect"`,
 * `"resourcepolicies"`) fails loudly instead of silently testing nothing. Messages name the file, the case
 * index and the field.
 *
 * A case is a small world — accounts, users and roles with their identity policies (documents), resource
 * policies attached to ARNs by an account — and one request, asked of the authorize API about a principal
 * of that world, with the decision it must get.
 */
import { describe, fieldsChecker, isObj, type Obj, type Validated } from '../support/cases.ts';

export { validateFile, type Validated } from '../support/cases.ts';

export const PARTITIONS = ['aws', 'acs'] as const;
export const DECISIONS = ['Allow', 'ExplicitDeny', 'ImplicitDeny'] as const;
export const RULE_TYPES = ['identity', 'boundary', 'session', 'resource'] as const;
export const EFFECTS = ['Allow', 'Deny'] as const;

export type Document = Readonly<Record<string, unknown>>;
export type ContextScalar = string | number | boolean;

export interface CaseAccount {
  readonly id: string;
  readonly partition: (typeof PARTITIONS)[number];
}

/** A user or a role of one account. */
export interface CasePrincipal {
  readonly account: string;
  readonly name: string;
  /** Identity policies, attached inline (`p0`, `p1`, … in order). */
  readonly policies?: readonly Document[];
  /** Permissions boundary (a managed policy `<name>-boundary` of the account). */
  readonly boundary?: Document;
  readonly tags?: Readonly<Record<string, string>>;
}

export interface CaseResourcePolicy {
  readonly resource: string;
  /** The account that attaches it (and, for ARNs naming no account, owns the resource). */
  readonly account: string;
  readonly document: Document;
}

export interface CaseRequest {
  /** ARN of the principal the question is about. */
  readonly principal: string;
  readonly action: string;
  readonly resource: string;
  readonly context?: Readonly<Record<string, ContextScalar | readonly ContextScalar[]>>;
}

export interface MatchedExpectation {
  readonly type: (typeof RULE_TYPES)[number];
  readonly effect: (typeof EFFECTS)[number];
  readonly sid?: string;
}

export interface ResourceCase {
  readonly name: string;
  /** The documented rule the case checks: URL and section of the reference. */
  readonly cite: string;
  /** Set while the implementation disagrees (a string gives the reason): the runner marks it todo. */
  readonly todo?: boolean | string;
  /** Accounts besides the root account `000000000000` (aws), which always exists. */
  readonly accounts: readonly CaseAccount[];
  readonly users?: readonly CasePrincipal[];
  readonly roles?: readonly CasePrincipal[];
  readonly resourcePolicies?: readonly CaseResourcePolicy[];
  readonly request: CaseRequest;
  readonly expected: {
    readonly decision: (typeof DECISIONS)[number];
    /** When given: exactly these IAM rules matched (as a multiset of type+effect; a `sid` must be among them). */
    readonly matched?: readonly MatchedExpectation[];
  };
}

const ACCOUNT_RE = /^\d{12}$/;
const NAME_RE = /^[\w+=,.@-]{1,64}$/;

/** Validates one case. `where` names it in messages, e.g. `anyscale.json case #3`. */
export function validateCase(raw: unknown, where: string): Validated<ResourceCase> {
  if (!isObj(raw)) return { ok: false, errors: [`${where}: a case must be a JSON object, got ${describe(raw)}`] };
  const errors: string[] = [];
  const label = typeof raw['name'] === 'string' ? `${where} (${JSON.stringify(raw['name'])})` : where;
  const bad = (path: string, msg: string): void => {
    errors.push(`${label}: \`${path}\` ${msg}`);
  };
  const fields = fieldsChecker(bad);
  const str = (o: Obj, key: string, path: string, re?: RegExp): void => {
    const v = o[key];
    if (v === undefined) return;
    if (typeof v !== 'string' || v === '') bad(path, `must be a non-empty string, got ${describe(v)}`);
    else if (re && !re.test(v)) bad(path, `must match ${re}, got ${describe(v)}`);
  };
  const oneOf = (o: Obj, key: string, path: string, allowed: readonly string[]): void => {
    const v = o[key];
    if (v === undefined) return;
    if (typeof v !== 'string' || !allowed.includes(v)) bad(path, `must be one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}, got ${describe(v)}`);
  };
  const list = (o: Obj, key: string, path: string, each: (item: Obj, path: string) => void): void => {
    const v = o[key];
    if (v === undefined) return;
    if (!Array.isArray(v)) return bad(path, `must be an array, got ${describe(v)}`);
    v.forEach((item: unknown, i) => (isObj(item) ? each(item, `${path}[${i}]`) : bad(`${path}[${i}]`, `must be an object, got ${describe(item)}`)));
  };
  const document = (o: Obj, key: string, path: string): void => {
    const d = o[key];
    if (d === undefined) return;
    if (!isObj(d)) bad(path, `must be a policy document (a JSON object), got ${describe(d)}`);
    else if (!('Statement' in d)) bad(`${path}.Statement`, 'is required in a policy document');
  };

  fields(raw, '', ['name', 'cite', 'accounts', 'request', 'expected'], ['todo', 'users', 'roles', 'resourcePolicies']);
  str(raw, 'name', 'name');
  str(raw, 'cite', 'cite');
  if (raw['todo'] !== undefined && raw['todo'] !== true && raw['todo'] !== false && (typeof raw['todo'] !== 'string' || raw['todo'] === '')) bad('todo', `must be true or a non-empty reason string, got ${describe(raw['todo'])}`);

  const accounts = new Set<string>(['000000000000']);
  list(raw, 'accounts', 'accounts', (a, p) => {
    fields(a, p, ['id', 'partition'], []);
    str(a, 'id', `${p}.id`, ACCOUNT_RE);
    oneOf(a, 'partition', `${p}.partition`, PARTITIONS);
    if (typeof a['id'] === 'string') {
      if (accounts.has(a['id'])) bad(`${p}.id`, `account ${a['id']} is listed twice (the root account 000000000000 always exists)`);
      accounts.add(a['id']);
    }
  });
  const knownAccount = (o: Obj, p: string): void => {
    if (typeof o['account'] === 'string' && !accounts.has(o['account'])) bad(`${p}.account`, `names account ${o['account']}, which \`accounts\` does not list`);
  };
  for (const kind of ['users', 'roles'] as const) {
    const seen = new Set<string>();
    list(raw, kind, kind, (u, p) => {
      fields(u, p, ['account', 'name'], ['policies', 'boundary', 'tags']);
      str(u, 'account', `${p}.account`, ACCOUNT_RE);
      str(u, 'name', `${p}.name`, NAME_RE);
      knownAccount(u, p);
      const id = `${String(u['account'])}/${String(u['name']).toLowerCase()}`;
      if (seen.has(id)) bad(p, `defines ${kind.slice(0, -1)} ${String(u['name'])} of account ${String(u['account'])} twice`);
      seen.add(id);
      const pol = u['policies'];
      if (pol !== undefined) {
        if (!Array.isArray(pol)) bad(`${p}.policies`, `must be an array of policy documents, got ${describe(pol)}`);
        else pol.forEach((_, i) => document(pol as unknown as Obj, String(i), `${p}.policies[${i}]`));
      }
      document(u, 'boundary', `${p}.boundary`);
      const tags = u['tags'];
      if (tags !== undefined) {
        if (!isObj(tags)) bad(`${p}.tags`, `must be an object of strings, got ${describe(tags)}`);
        else for (const [k, v] of Object.entries(tags)) if (typeof v !== 'string') bad(`${p}.tags.${k}`, `must be a string, got ${describe(v)}`);
      }
    });
  }
  const attached = new Set<string>();
  list(raw, 'resourcePolicies', 'resourcePolicies', (r, p) => {
    fields(r, p, ['resource', 'account', 'document'], []);
    str(r, 'resource', `${p}.resource`, /^(arn:[a-z-]+:[a-z0-9-]+:|acs:[a-z0-9-]+:)/);
    str(r, 'account', `${p}.account`, ACCOUNT_RE);
    knownAccount(r, p);
    document(r, 'document', `${p}.document`);
    if (typeof r['resource'] === 'string') {
      if (attached.has(r['resource'])) bad(`${p}.resource`, `${r['resource']} has a policy already; a resource has at most one`);
      attached.add(r['resource']);
    }
  });

  const r = raw['request'];
  if (r !== undefined && !isObj(r)) bad('request', `must be an object, got ${describe(r)}`);
  else if (r !== undefined) {
    fields(r, 'request', ['principal', 'action', 'resource'], ['context']);
    str(r, 'principal', 'request.principal');
    str(r, 'action', 'request.action');
    str(r, 'resource', 'request.resource');
    const ctx = r['context'];
    if (ctx !== undefined) {
      const scalar = (v: unknown): boolean => typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v));
      if (!isObj(ctx)) bad('request.context', `must be an object, got ${describe(ctx)}`);
      else for (const [k, v] of Object.entries(ctx)) if (!(scalar(v) || (Array.isArray(v) && v.every(scalar)))) bad(`request.context.${k}`, `must be a string, number, boolean or an array of them, got ${describe(v)}`);
    }
  }

  const exp = raw['expected'];
  if (exp !== undefined && !isObj(exp)) bad('expected', `must be an object, got ${describe(exp)}`);
  else if (exp !== undefined) {
    fields(exp, 'expected', ['decision'], ['matched']);
    oneOf(exp, 'decision', 'expected.decision', DECISIONS);
    list(exp, 'matched', 'expected.matched', (m, p) => {
      fields(m, p, ['type', 'effect'], ['sid']);
      oneOf(m, 'type', `${p}.type`, RULE_TYPES);
      oneOf(m, 'effect', `${p}.effect`, EFFECTS);
      str(m, 'sid', `${p}.sid`);
    });
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, value: raw as unknown as ResourceCase };
}

