/**
 * The shape of a bindings conformance case, and a hand-written validator for it that rejects unknown fields and
 * wrong types, so that a typo in a case file (`"expect"`, `"verdict": "Allow"`) fails loudly instead of
 * silently testing nothing. Messages name the file, the case and the field.
 *
 * Three shapes share the files:
 * - decision cases: `policies` (each `{resource, policy}`), custom `roles`, a `request` → the expected verdict,
 *   and optionally a reason the decision must give, the diagnostics it must report and the bindings that allowed;
 * - grammar cases: one document handed to a parser (`policy`, `attached`, `role`, `resource` or `condition`) →
 *   valid, or the errors (code, JSON path, and for conditions line and column) it must report;
 * - etag cases: a write checked against the current policy (`accepted`), two policies compared (`equal`), or
 *   the golden etag of a policy (`etag`). An etag depends on where the policy is too: `at` gives the resource
 *   and revision of a policy (`{resource, revision}`; default `DEFAULT_ETAG_SCOPE`), `readAt` those of the
 *   policy as read (default: `at`), and for `compare` `at` is a pair.
 *
 * In a decision case, `chain` lists the resources whose policies make up the effective policy, root first;
 * by default every policy of the case, in order. Policies of resources not in the chain are ignored (a sibling).
 */
import { ERROR_CODES, type ErrorCode } from '../../src/core/errors.ts';
import { describe, fieldsChecker, isObj, type Obj, type Validated } from '../support/cases.ts';

export { validateFile, type Validated } from '../support/cases.ts';

export const VERDICTS = ['allow', 'no-opinion'] as const;
export const PARSE_KINDS = ['policy', 'attached', 'role', 'resource', 'condition'] as const;
export type ParseKind = (typeof PARSE_KINDS)[number];

export interface CasePrincipal {
  readonly user?: string;
  readonly groups?: readonly string[];
  readonly serviceAccount?: string;
  readonly principalUri?: string;
  readonly authenticated: boolean;
}

export interface CaseResource {
  readonly name: string;
  readonly type?: string;
  readonly service?: string;
}

export interface CaseRequest {
  readonly principal: CasePrincipal;
  readonly permission?: string;
  readonly action?: string;
  /** A name (its type and service are derived with `resourceAttributes`) or the attributes themselves. */
  readonly resource: string | CaseResource;
  /** ISO 8601; default `2026-06-15T12:00:00Z`. */
  readonly time?: string;
}

interface CaseCommon {
  readonly name: string;
  /** Where the rule comes from: documentation URL and section. */
  readonly cite: string;
  /** Set while the engine disagrees with the case (a string gives the reason): the runner marks it todo. */
  readonly todo?: boolean | string;
}

export interface DecisionCase extends CaseCommon {
  readonly policies: readonly { readonly resource: string; readonly policy: unknown }[];
  readonly chain?: readonly string[];
  readonly roles?: readonly unknown[];
  readonly request: CaseRequest;
  readonly expected: {
    readonly verdict: (typeof VERDICTS)[number];
    /** One of the reasons must be exactly this. */
    readonly reason?: string;
    /** The diagnostics, each containing the corresponding text; `[]` means none. */
    readonly diagnostics?: readonly string[];
    /** The bindings that allowed, in any order. */
    readonly matched?: readonly { readonly resource: string; readonly index: number }[];
  };
}

export interface ExpectedError {
  readonly code: ErrorCode;
  readonly path: string;
  readonly line?: number;
  readonly column?: number;
}

export interface GrammarCase extends CaseCommon {
  readonly parse: {
    readonly kind: ParseKind;
    readonly document: unknown;
    /** For `policy`: also check its roles exist (`checkRoles`), for this account and these custom roles. */
    readonly account?: string;
    readonly roles?: readonly unknown[];
  };
  readonly expected: { readonly valid: true } | { readonly errors: readonly ExpectedError[] };
}

/** The resource and revision of a policy in an etag case (src/core/bindings/etag.ts `EtagScope`). */
export interface CaseEtagScope {
  readonly resource: string;
  readonly revision: number;
}

/** Where the policies of an etag case are when the case does not say. */
export const DEFAULT_ETAG_SCOPE: CaseEtagScope = { resource: 'arn:aws:training::123456789012:model/model_name', revision: 1 };

export interface EtagCase extends CaseCommon {
  readonly etag:
    | { readonly current: unknown; readonly read?: unknown; readonly given?: string; readonly required?: boolean; readonly at?: CaseEtagScope; readonly readAt?: CaseEtagScope }
    | { readonly compare: readonly [unknown, unknown]; readonly at?: readonly [CaseEtagScope, CaseEtagScope] }
    | { readonly of: unknown; readonly at?: CaseEtagScope };
  readonly expected: { readonly accepted: boolean; readonly code?: ErrorCode } | { readonly equal: boolean } | { readonly etag: string };
}

export type BindingsCase = DecisionCase | GrammarCase | EtagCase;

export const isGrammarCase = (c: BindingsCase): c is GrammarCase => 'parse' in c;
export const isEtagCase = (c: BindingsCase): c is EtagCase => 'etag' in c;


const ISO_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/;


/** Validates one case. `where` names it in messages, e.g. `members.json case #12`. */
export function validateCase(raw: unknown, where: string): Validated<BindingsCase> {
  const errors: string[] = [];
  const label = isObj(raw) && typeof raw['name'] === 'string' ? `${where} (${JSON.stringify(raw['name'])})` : where;
  const bad = (path: string, msg: string): void => {
    errors.push(`${label}: \`${path}\` ${msg}`);
  };
  const fields = fieldsChecker(bad);
  const str = (o: Obj, key: string, path: string, opts: { nonEmpty?: boolean } = {}): void => {
    const v = o[key];
    if (v === undefined) return;
    if (typeof v !== 'string') bad(path, `must be a string, got ${describe(v)}`);
    else if (opts.nonEmpty === true && v === '') bad(path, 'must not be empty');
  };
  const bool = (o: Obj, key: string, path: string): void => {
    const v = o[key];
    if (v !== undefined && typeof v !== 'boolean') bad(path, `must be true or false, got ${describe(v)}`);
  };
  const strings = (o: Obj, key: string, path: string): void => {
    const v = o[key];
    if (v === undefined) return;
    if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) bad(path, `must be an array of strings, got ${describe(v)}`);
  };
  const oneOf = (o: Obj, key: string, path: string, allowed: readonly string[]): void => {
    const v = o[key];
    if (v === undefined) return;
    if (typeof v !== 'string' || !allowed.includes(v)) bad(path, `must be one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}, got ${describe(v)}`);
  };
  const posInt = (o: Obj, key: string, path: string, min: number): void => {
    const v = o[key];
    if (v !== undefined && !(typeof v === 'number' && Number.isInteger(v) && v >= min)) bad(path, `must be an integer ≥ ${min}, got ${describe(v)}`);
  };

  if (!isObj(raw)) return { ok: false, errors: [`${where}: a case must be a JSON object, got ${describe(raw)}`] };
  const shape = Object.hasOwn(raw, 'parse') ? 'grammar' : Object.hasOwn(raw, 'etag') ? 'etag' : 'decision';
  if (shape === 'grammar') fields(raw, '', ['name', 'cite', 'parse', 'expected'], ['todo']);
  else if (shape === 'etag') fields(raw, '', ['name', 'cite', 'etag', 'expected'], ['todo']);
  else fields(raw, '', ['name', 'cite', 'policies', 'request', 'expected'], ['chain', 'roles', 'todo']);
  str(raw, 'name', 'name', { nonEmpty: true });
  str(raw, 'cite', 'cite', { nonEmpty: true });
  const todo = raw['todo'];
  if (todo !== undefined && typeof todo !== 'boolean' && (typeof todo !== 'string' || todo === '')) bad('todo', `must be true or a non-empty reason string, got ${describe(todo)}`);

  if (shape === 'grammar') validateGrammar(raw);
  else if (shape === 'etag') validateEtag(raw);
  else validateDecision(raw);
  return errors.length > 0 ? { ok: false, errors } : { ok: true, value: raw as unknown as BindingsCase };

  function validateDecision(c: Obj): void {
    const policies = c['policies'];
    const resources: string[] = [];
    if (policies !== undefined && !Array.isArray(policies)) bad('policies', `must be an array of {resource, policy}, got ${describe(policies)}`);
    if (Array.isArray(policies)) {
      policies.forEach((p: unknown, i: number) => {
        const path = `policies[${i}]`;
        if (!isObj(p)) {
          bad(path, `must be an object {resource, policy}, got ${describe(p)}`);
          return;
        }
        fields(p, path, ['resource', 'policy'], []);
        str(p, 'resource', `${path}.resource`, { nonEmpty: true });
        if (typeof p['resource'] === 'string') {
          if (resources.includes(p['resource'])) bad(`${path}.resource`, `names \`${p['resource']}\` again: a resource has one policy`);
          resources.push(p['resource']);
        }
        if (p['policy'] !== undefined && !isObj(p['policy'])) bad(`${path}.policy`, `must be an object, got ${describe(p['policy'])}`);
      });
    }
    strings(c, 'chain', 'chain');
    const roles = c['roles'];
    if (roles !== undefined && !(Array.isArray(roles) && roles.every(isObj))) bad('roles', `must be an array of custom roles {name, permissions}, got ${describe(roles)}`);

    const r = c['request'];
    if (r !== undefined && !isObj(r)) bad('request', `must be an object, got ${describe(r)}`);
    if (isObj(r)) {
      fields(r, 'request', ['principal', 'resource'], ['permission', 'action', 'time']);
      const hasPermission = Object.hasOwn(r, 'permission');
      if (hasPermission === Object.hasOwn(r, 'action')) bad('request', 'must name exactly one of `permission` and `action`');
      str(r, 'permission', 'request.permission', { nonEmpty: true });
      str(r, 'action', 'request.action', { nonEmpty: true });
      const t = r['time'];
      if (t !== undefined && (typeof t !== 'string' || !ISO_RE.test(t) || Number.isNaN(Date.parse(t)))) bad('request.time', `must be an ISO 8601 date-time such as "2026-06-15T12:00:00Z", got ${describe(t)}`);
      const res = r['resource'];
      if (isObj(res)) {
        fields(res, 'request.resource', ['name'], ['type', 'service']);
        str(res, 'name', 'request.resource.name', { nonEmpty: true });
        str(res, 'type', 'request.resource.type');
        str(res, 'service', 'request.resource.service');
      } else if (res !== undefined && (typeof res !== 'string' || res === '')) {
        bad('request.resource', `must be a resource name or an object {name, type?, service?}, got ${describe(res)}`);
      }
      const p = r['principal'];
      if (!isObj(p)) {
        if (p !== undefined) bad('request.principal', `must be an object {user?, groups?, serviceAccount?, principalUri?, authenticated}, got ${describe(p)}`);
      } else {
        fields(p, 'request.principal', ['authenticated'], ['user', 'groups', 'serviceAccount', 'principalUri']);
        bool(p, 'authenticated', 'request.principal.authenticated');
        str(p, 'user', 'request.principal.user', { nonEmpty: true });
        str(p, 'serviceAccount', 'request.principal.serviceAccount', { nonEmpty: true });
        str(p, 'principalUri', 'request.principal.principalUri', { nonEmpty: true });
        strings(p, 'groups', 'request.principal.groups');
      }
    }

    const exp = c['expected'];
    if (!isObj(exp)) {
      if (exp !== undefined) bad('expected', `must be an object, got ${describe(exp)}`);
      return;
    }
    fields(exp, 'expected', ['verdict'], ['reason', 'diagnostics', 'matched']);
    oneOf(exp, 'verdict', 'expected.verdict', VERDICTS);
    str(exp, 'reason', 'expected.reason', { nonEmpty: true });
    strings(exp, 'diagnostics', 'expected.diagnostics');
    const m = exp['matched'];
    if (m !== undefined) {
      if (!Array.isArray(m)) bad('expected.matched', `must be an array of {resource, index}, got ${describe(m)}`);
      else {
        if (exp['verdict'] === 'no-opinion' && m.length > 0) bad('expected.matched', 'lists bindings that allowed, but the verdict is "no-opinion"');
        m.forEach((x: unknown, i: number) => {
          const path = `expected.matched[${i}]`;
          if (!isObj(x)) {
            bad(path, `must be an object {resource, index}, got ${describe(x)}`);
            return;
          }
          fields(x, path, ['resource', 'index'], []);
          str(x, 'resource', `${path}.resource`, { nonEmpty: true });
          if (typeof x['resource'] === 'string' && resources.length > 0 && !resources.includes(x['resource'])) bad(`${path}.resource`, `names no policy of this case (have: ${resources.join(', ')})`);
          posInt(x, 'index', `${path}.index`, 0);
        });
      }
    }
  }

  function validateGrammar(c: Obj): void {
    const p = c['parse'];
    if (!isObj(p)) {
      bad('parse', `must be an object {kind, document}, got ${describe(p)}`);
    } else {
      fields(p, 'parse', ['kind', 'document'], ['account', 'roles']);
      oneOf(p, 'kind', 'parse.kind', PARSE_KINDS);
      if (p['kind'] === 'condition' && typeof p['document'] !== 'string') bad('parse.document', `must be the expression as a string for kind "condition", got ${describe(p['document'])}`);
      if ((p['account'] !== undefined || p['roles'] !== undefined) && p['kind'] !== 'policy') bad('parse', '`account` and `roles` (the roles check) apply to kind "policy" only');
      str(p, 'account', 'parse.account', { nonEmpty: true });
      const roles = p['roles'];
      if (roles !== undefined && !(Array.isArray(roles) && roles.every(isObj))) bad('parse.roles', `must be an array of custom roles, got ${describe(roles)}`);
    }
    const exp = c['expected'];
    if (!isObj(exp)) {
      if (exp !== undefined) bad('expected', `must be an object, got ${describe(exp)}`);
      return;
    }
    if (Object.hasOwn(exp, 'valid')) {
      fields(exp, 'expected', ['valid'], []);
      if (exp['valid'] !== true) bad('expected.valid', `must be true (list the expected errors instead), got ${describe(exp['valid'])}`);
      return;
    }
    fields(exp, 'expected', ['errors'], []);
    const errs = exp['errors'];
    if (errs === undefined) return;
    if (!Array.isArray(errs) || errs.length === 0) {
      bad('expected.errors', `must be a non-empty array, got ${describe(errs)}`);
      return;
    }
    errs.forEach((e: unknown, i: number) => {
      const path = `expected.errors[${i}]`;
      if (!isObj(e)) {
        bad(path, `must be an object {code, path, line?, column?}, got ${describe(e)}`);
        return;
      }
      fields(e, path, ['code', 'path'], ['line', 'column']);
      oneOf(e, 'code', `${path}.code`, ERROR_CODES.filter((code) => code.startsWith('BINDINGS_')));
      str(e, 'path', `${path}.path`);
      posInt(e, 'line', `${path}.line`, 1);
      posInt(e, 'column', `${path}.column`, 1);
    });
  }

  function validateEtag(c: Obj): void {
    const e = c['etag'];
    const exp = c['expected'];
    if (!isObj(e)) {
      bad('etag', `must be an object {current, read?|given?, required?}, {compare: [a, b]} or {of}, got ${describe(e)}`);
      return;
    }
    const policy = (v: unknown, path: string): void => {
      if (!isObj(v)) bad(path, `must be a policy object, got ${describe(v)}`);
    };
    const scope = (v: unknown, path: string): void => {
      if (v === undefined) return;
      if (!isObj(v)) {
        bad(path, `must be an object {resource, revision}, got ${describe(v)}`);
        return;
      }
      fields(v, path, ['resource', 'revision'], []);
      str(v, 'resource', `${path}.resource`, { nonEmpty: true });
      posInt(v, 'revision', `${path}.revision`, 0);
    };
    const expect = (required: string, optional: readonly string[] = []): void => {
      if (!isObj(exp)) {
        if (exp !== undefined) bad('expected', `must be an object, got ${describe(exp)}`);
        return;
      }
      fields(exp, 'expected', [required], optional);
    };
    if (Object.hasOwn(e, 'compare')) {
      fields(e, 'etag', ['compare'], ['at']);
      const pair = e['compare'];
      if (!Array.isArray(pair) || pair.length !== 2) bad('etag.compare', `must be an array of two policies, got ${describe(pair)}`);
      else pair.forEach((p: unknown, i: number) => policy(p, `etag.compare[${i}]`));
      const at = e['at'];
      if (at !== undefined && (!Array.isArray(at) || at.length !== 2)) bad('etag.at', `must be an array of two {resource, revision}, got ${describe(at)}`);
      else if (Array.isArray(at)) at.forEach((x: unknown, i: number) => scope(x, `etag.at[${i}]`));
      expect('equal');
      if (isObj(exp)) bool(exp, 'equal', 'expected.equal');
    } else if (Object.hasOwn(e, 'of')) {
      fields(e, 'etag', ['of'], ['at']);
      policy(e['of'], 'etag.of');
      scope(e['at'], 'etag.at');
      expect('etag');
      if (isObj(exp)) str(exp, 'etag', 'expected.etag', { nonEmpty: true });
    } else {
      fields(e, 'etag', ['current'], ['read', 'given', 'required', 'at', 'readAt']);
      policy(e['current'], 'etag.current');
      scope(e['at'], 'etag.at');
      scope(e['readAt'], 'etag.readAt');
      if (e['readAt'] !== undefined && e['read'] === undefined) bad('etag.readAt', 'is where `read` was read: it needs `read`');
      if (e['read'] !== undefined) policy(e['read'], 'etag.read');
      if (e['read'] !== undefined && e['given'] !== undefined) bad('etag', 'names both `read` (the etag of a policy) and `given` (an etag): choose one');
      str(e, 'given', 'etag.given');
      bool(e, 'required', 'etag.required');
      expect('accepted', ['code']);
      if (isObj(exp)) {
        bool(exp, 'accepted', 'expected.accepted');
        oneOf(exp, 'code', 'expected.code', ['ETAG_MISMATCH', 'BINDINGS_MISSING_FIELD']);
        if (exp['accepted'] === true && exp['code'] !== undefined) bad('expected.code', 'makes no sense with `accepted: true`');
      }
    }
  }
}

