/**
 * The shape of an IAM conformance case, and a hand-written validator for it. The validator rejects unknown
 * fields and wrong types so that a typo in a case file (`"expect"`, `"deniedby"`) fails loudly instead of
 * silently testing nothing. Messages name the file, the case index and the field.
 *
 * Two shapes share the files:
 * - decision cases: policies + request → expected decision;
 * - grammar cases: one document handed to the parser → valid, or the errors (code + JSON path) it must report.
 */
import { ERROR_CODES, type ErrorCode } from '../../src/core/errors.ts';
import { describe, fieldsChecker, isObj, type Obj, type Validated } from '../support/cases.ts';

export { validateFile, type Validated } from '../support/cases.ts';

export const POLICY_TYPES = ['identity', 'boundary', 'session', 'resource', 'trust'] as const;
export type CasePolicyType = (typeof POLICY_TYPES)[number];
export const DECISIONS = ['Allow', 'ExplicitDeny', 'ImplicitDeny'] as const;
export const ALLOWED_BY = ['identity', 'resource', 'root'] as const;
export const PARSE_KINDS = ['identity', 'resource', 'trust'] as const;
export const DIALECTS = ['aws', 'acs'] as const;

export type ContextScalar = string | number | boolean;

export interface CasePolicy {
  readonly type: CasePolicyType;
  readonly name?: string;
  readonly document: Record<string, unknown> | string;
}

export interface CaseSession {
  readonly name?: string;
  readonly issuedAt: string;
  readonly sourceIdentity?: string;
}

export interface CasePrincipal {
  readonly arn: string;
  readonly userId?: string;
  readonly tags?: Readonly<Record<string, string>>;
  readonly session?: CaseSession;
}

export interface CaseRequest {
  readonly principal: string | CasePrincipal;
  readonly action: string;
  readonly resource: string;
  readonly resourceAccount?: string;
  readonly context?: Readonly<Record<string, ContextScalar | readonly ContextScalar[]>>;
  readonly time?: string;
}

export interface DecisionExpectation {
  readonly decision: (typeof DECISIONS)[number];
  readonly deniedBy?: CasePolicyType;
  readonly allowedBy?: (typeof ALLOWED_BY)[number];
  readonly matched?: readonly { readonly policy: string; readonly index: number }[];
}

interface CaseCommon {
  readonly name: string;
  /** Where the rule comes from: documentation URL and section. */
  readonly cite: string;
  /** Set while the engine disagrees with the case (a string gives the reason): the runner marks it todo. */
  readonly todo?: boolean | string;
}

export interface DecisionCase extends CaseCommon {
  readonly dialect?: (typeof DIALECTS)[number];
  readonly policies: readonly CasePolicy[];
  readonly request: CaseRequest;
  readonly expected: DecisionExpectation;
}

export interface GrammarCase extends CaseCommon {
  readonly parse: { readonly kind: (typeof PARSE_KINDS)[number]; readonly document: unknown; readonly maxChars?: number };
  readonly expected: { readonly valid: true } | { readonly errors: readonly { readonly code: ErrorCode; readonly path: string }[] };
}

export type ConformanceCase = DecisionCase | GrammarCase;

export const isGrammarCase = (c: ConformanceCase): c is GrammarCase => 'parse' in c;


/** Effective policy names: `name`, else `<type>-<i>` with i the position among policies of that type. */
export function policyNames(policies: readonly { readonly type: string; readonly name?: string | undefined }[]): string[] {
  const seen = new Map<string, number>();
  return policies.map((p) => {
    const i = seen.get(p.type) ?? 0;
    seen.set(p.type, i + 1);
    return p.name ?? `${p.type}-${i}`;
  });
}

const ISO_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/;


/**
 * Validates one case. `where` names it in messages, e.g. `conditions.json case #12`.
 */
export function validateCase(raw: unknown, where: string): Validated<ConformanceCase> {
  const errors: string[] = [];
  const label = isObj(raw) && typeof raw['name'] === 'string' ? `${where} (${JSON.stringify(raw['name'])})` : where;
  const bad = (path: string, msg: string): void => {
    errors.push(`${label}: \`${path}\` ${msg}`);
  };

  const fields = fieldsChecker(bad);
  // A missing required field is reported by fields(); str() checks the type of a field that is there.
  const str = (o: Obj, key: string, path: string, opts: { nonEmpty?: boolean } = {}): void => {
    const v = o[key];
    if (v === undefined) return;
    if (typeof v !== 'string') bad(path, `must be a string, got ${describe(v)}`);
    else if (opts.nonEmpty && v === '') bad(path, 'must not be empty');
  };
  const oneOf = (o: Obj, key: string, path: string, allowed: readonly string[]): void => {
    const v = o[key];
    if (v === undefined) return;
    if (typeof v !== 'string' || !allowed.includes(v)) bad(path, `must be one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}, got ${describe(v)}`);
  };
  const iso = (o: Obj, key: string, path: string): void => {
    const v = o[key];
    if (v === undefined) return;
    if (typeof v !== 'string' || !ISO_RE.test(v) || Number.isNaN(Date.parse(v))) bad(path, `must be an ISO 8601 date-time such as "2024-06-01T00:00:00Z", got ${describe(v)}`);
  };

  if (!isObj(raw)) {
    return { ok: false, errors: [`${where}: a case must be a JSON object, got ${describe(raw)}`] };
  }
  const isGrammar = 'parse' in raw;
  if (isGrammar) fields(raw, '', ['name', 'cite', 'parse', 'expected'], ['todo']);
  else fields(raw, '', ['name', 'cite', 'policies', 'request', 'expected'], ['dialect', 'todo']);
  str(raw, 'name', 'name', { nonEmpty: true });
  str(raw, 'cite', 'cite', { nonEmpty: true });
  if (raw['todo'] !== undefined && typeof raw['todo'] !== 'boolean' && (typeof raw['todo'] !== 'string' || raw['todo'] === '')) bad('todo', `must be true or a non-empty reason string, got ${describe(raw['todo'])}`);

  if (isGrammar) validateGrammar(raw);
  else validateDecision(raw);

  return errors.length > 0 ? { ok: false, errors } : { ok: true, value: raw as unknown as ConformanceCase };

  function validateGrammar(c: Obj): void {
    const parse = c['parse'];
    if (!isObj(parse)) {
      bad('parse', `must be an object, got ${describe(parse)}`);
    } else {
      fields(parse, 'parse', ['kind', 'document'], ['maxChars']);
      oneOf(parse, 'kind', 'parse.kind', PARSE_KINDS);
      const mc = parse['maxChars'];
      if (mc !== undefined && !(typeof mc === 'number' && Number.isInteger(mc) && mc > 0)) bad('parse.maxChars', `must be a positive integer, got ${describe(mc)}`);
    }
    const exp = c['expected'];
    if (!isObj(exp)) {
      if (exp !== undefined) bad('expected', `must be an object, got ${describe(exp)}`);
      return;
    }
    if ('valid' in exp) {
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
    errs.forEach((e, i) => {
      const p = `expected.errors[${i}]`;
      if (!isObj(e)) {
        bad(p, `must be an object, got ${describe(e)}`);
        return;
      }
      fields(e, p, ['code', 'path'], []);
      oneOf(e, 'code', `${p}.code`, ERROR_CODES.filter((code) => code.startsWith('POLICY_')));
      str(e, 'path', `${p}.path`);
    });
  }

  function validateDecision(c: Obj): void {
    oneOf(c, 'dialect', 'dialect', DIALECTS);
    const policies = c['policies'];
    let names: string[] = [];
    if (!Array.isArray(policies)) {
      if (policies !== undefined) bad('policies', `must be an array, got ${describe(policies)}`);
    } else {
      const counts = new Map<string, number>();
      policies.forEach((p, i) => {
        const path = `policies[${i}]`;
        if (!isObj(p)) {
          bad(path, `must be an object, got ${describe(p)}`);
          return;
        }
        fields(p, path, ['type', 'document'], ['name']);
        oneOf(p, 'type', `${path}.type`, POLICY_TYPES);
        str(p, 'name', `${path}.name`, { nonEmpty: true });
        const d = p['document'];
        if (d !== undefined && typeof d !== 'string' && !isObj(d)) bad(`${path}.document`, `must be an object or a JSON string, got ${describe(d)}`);
        if (typeof p['type'] === 'string') counts.set(p['type'], (counts.get(p['type']) ?? 0) + 1);
      });
      for (const single of ['boundary', 'trust']) {
        if ((counts.get(single) ?? 0) > 1) bad('policies', `may hold at most one \`${single}\` policy (an evaluation has one ${single === 'boundary' ? 'permissions boundary' : 'trust policy'})`);
      }
      if (policies.every(isObj)) {
        names = policyNames(policies.map((p) => ({ type: String(p['type']), name: typeof p['name'] === 'string' ? p['name'] : undefined })));
        const dup = names.find((n, i) => names.indexOf(n) !== i);
        if (dup !== undefined) bad('policies', `has two policies named \`${dup}\``);
      }
    }

    const r = c['request'];
    if (!isObj(r)) {
      if (r !== undefined) bad('request', `must be an object, got ${describe(r)}`);
    } else {
      fields(r, 'request', ['principal', 'action', 'resource'], ['resourceAccount', 'context', 'time']);
      str(r, 'action', 'request.action', { nonEmpty: true });
      str(r, 'resource', 'request.resource', { nonEmpty: true });
      str(r, 'resourceAccount', 'request.resourceAccount');
      iso(r, 'time', 'request.time');
      const pr = r['principal'];
      if (isObj(pr)) {
        fields(pr, 'request.principal', ['arn'], ['userId', 'tags', 'session']);
        str(pr, 'arn', 'request.principal.arn', { nonEmpty: true });
        str(pr, 'userId', 'request.principal.userId');
        const tags = pr['tags'];
        if (tags !== undefined) {
          if (!isObj(tags)) bad('request.principal.tags', `must be an object of strings, got ${describe(tags)}`);
          else for (const [k, v] of Object.entries(tags)) if (typeof v !== 'string') bad(`request.principal.tags.${k}`, `must be a string, got ${describe(v)}`);
        }
        const s = pr['session'];
        if (s !== undefined) {
          if (!isObj(s)) bad('request.principal.session', `must be an object, got ${describe(s)}`);
          else {
            fields(s, 'request.principal.session', ['issuedAt'], ['name', 'sourceIdentity']);
            iso(s, 'issuedAt', 'request.principal.session.issuedAt');
            str(s, 'name', 'request.principal.session.name', { nonEmpty: true });
            str(s, 'sourceIdentity', 'request.principal.session.sourceIdentity');
          }
        }
      } else if (pr !== undefined && (typeof pr !== 'string' || pr === '')) {
        bad('request.principal', `must be an ARN string or an object { arn, userId?, tags?, session? }, got ${describe(pr)}`);
      }
      const ctx = r['context'];
      if (ctx !== undefined) {
        if (!isObj(ctx)) bad('request.context', `must be an object, got ${describe(ctx)}`);
        else {
          const scalar = (v: unknown): boolean => typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v));
          for (const [k, v] of Object.entries(ctx)) {
            if (!(scalar(v) || (Array.isArray(v) && v.every(scalar)))) bad(`request.context.${k}`, `must be a string, number, boolean or an array of them, got ${describe(v)}`);
          }
        }
      }
    }

    const exp = c['expected'];
    if (!isObj(exp)) {
      if (exp !== undefined) bad('expected', `must be an object, got ${describe(exp)}`);
      return;
    }
    fields(exp, 'expected', ['decision'], ['deniedBy', 'allowedBy', 'matched']);
    oneOf(exp, 'decision', 'expected.decision', DECISIONS);
    oneOf(exp, 'deniedBy', 'expected.deniedBy', POLICY_TYPES);
    oneOf(exp, 'allowedBy', 'expected.allowedBy', ALLOWED_BY);
    if (exp['deniedBy'] !== undefined && exp['decision'] === 'Allow') bad('expected.deniedBy', 'makes no sense with decision "Allow"');
    if (exp['allowedBy'] !== undefined && exp['decision'] !== 'Allow' && exp['decision'] !== undefined) bad('expected.allowedBy', `makes no sense with decision ${describe(exp['decision'])}`);
    const m = exp['matched'];
    if (m !== undefined) {
      if (!Array.isArray(m)) bad('expected.matched', `must be an array, got ${describe(m)}`);
      else
        m.forEach((ref, i) => {
          const p = `expected.matched[${i}]`;
          if (!isObj(ref)) {
            bad(p, `must be an object { policy, index }, got ${describe(ref)}`);
            return;
          }
          fields(ref, p, ['policy', 'index'], []);
          str(ref, 'policy', `${p}.policy`, { nonEmpty: true });
          if (typeof ref['policy'] === 'string' && names.length > 0 && !names.includes(ref['policy'])) bad(`${p}.policy`, `names no policy of this case (have: ${names.join(', ')})`);
          const ix = ref['index'];
          if (ix !== undefined && !(typeof ix === 'number' && Number.isInteger(ix) && ix >= 0)) bad(`${p}.index`, `must be a non-negative integer, got ${describe(ix)}`);
        });
    }
  }
}

