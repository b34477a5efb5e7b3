/**
 * The shape of a Kubernetes RBAC conformance case, and a hand-written validator for it that rejects unknown
 * fields and wrong types, so that a typo in a case file (`"expect"`, `"verb": "GET "`) fails loudly instead of
 * silently testing nothing. Messages name the file, the case and the field.
 *
 * Two shapes share the files:
 * - decision cases: objects (inline, and/or YAML fixtures under `fixtures/`) + request → expected verdict;
 * - grammar cases: objects handed to the parser → valid, or the errors (code + JSON path) it must report.
 *
 * The objects of a decision case must parse; the request mirrors `RbacAttributes`, with `resourceRequest`
 * defaulting to true. A non-resource request sets `"resourceRequest": false` and `path`, and no resource field.
 */
import { ERROR_CODES, type ErrorCode } from '../../src/core/errors.ts';
import { describe, fieldsChecker, isObj, type Obj, type Validated } from '../support/cases.ts';

export { validateFile, type Validated } from '../support/cases.ts';

export const VERDICTS = ['allow', 'no-opinion'] as const;

export interface CaseUser {
  readonly name: string;
  readonly groups?: readonly string[];
  readonly uid?: string;
  readonly extra?: Readonly<Record<string, readonly string[]>>;
}

export interface CaseRequest {
  readonly user: CaseUser;
  readonly verb: string;
  readonly resourceRequest?: boolean;
  readonly namespace?: string;
  readonly apiGroup?: string;
  readonly resource?: string;
  readonly subresource?: string;
  readonly name?: string;
  readonly path?: string;
}

interface CaseCommon {
  readonly name: string;
  /** Where the rule comes from: upstream source, documentation URL, section of policy-semantics.md. */
  readonly cite: string;
  /** Set while the engine disagrees with the case (a string gives the reason): the runner marks it todo. */
  readonly todo?: boolean | string;
}

export interface DecisionCase extends CaseCommon {
  readonly objects?: readonly unknown[];
  /** YAML files under `conformance/rbac/fixtures/`, loaded before `objects`. */
  readonly fixtures?: readonly string[];
  readonly request: CaseRequest;
  readonly expected: {
    readonly verdict: (typeof VERDICTS)[number];
    /** One of the decision's reasons. */
    readonly reason?: string;
    /** All of the decision's reasons, in order. */
    readonly reasons?: readonly string[];
    /** Codes of the decision's errors, in order; absent means none. */
    readonly errors?: readonly ErrorCode[];
    /** Codes of the compiler's diagnostics, in order; absent means none. */
    readonly diagnostics?: readonly ErrorCode[];
  };
}

export interface GrammarCase extends CaseCommon {
  readonly parse: { readonly objects: readonly unknown[]; readonly defaultNamespace?: string };
  readonly expected: { readonly valid: true } | { readonly errors: readonly { readonly code: ErrorCode; readonly path: string }[] };
}

export type ConformanceCase = DecisionCase | GrammarCase;

export const isGrammarCase = (c: ConformanceCase): c is GrammarCase => 'parse' in c;


const RBAC_CODES: readonly string[] = ERROR_CODES.filter((c) => c.startsWith('RBAC_'));
const FIXTURE_RE = /^[a-z0-9][a-z0-9_-]*(?:\/[a-z0-9][a-z0-9_.-]*)*\.ya?ml$/;


export function validateCase(raw: unknown, where: string): Validated<ConformanceCase> {
  const errors: string[] = [];
  const label = isObj(raw) && typeof raw['name'] === 'string' ? `${where} (${JSON.stringify(raw['name'])})` : where;
  const bad = (path: string, msg: string): void => {
    errors.push(`${label}: \`${path}\` ${msg}`);
  };
  const fields = fieldsChecker(bad);
  const str = (o: Obj, key: string, path: string, nonEmpty = false): void => {
    const v = o[key];
    if (v === undefined) return;
    if (typeof v !== 'string') bad(path, `must be a string, got ${describe(v)}`);
    else if (nonEmpty && v === '') bad(path, 'must not be empty');
  };
  const strings = (o: Obj, key: string, path: string, nonEmpty = false): void => {
    const v = o[key];
    if (v === undefined) return;
    if (!Array.isArray(v) || !v.every((s) => typeof s === 'string')) bad(path, `must be an array of strings, got ${describe(v)}`);
    else if (nonEmpty && v.length === 0) bad(path, 'must not be empty');
  };
  const codes = (o: Obj, key: string, path: string): void => {
    const v = o[key];
    if (v === undefined) return;
    if (!Array.isArray(v) || v.length === 0) {
      bad(path, `must be a non-empty array of error codes, got ${describe(v)}`);
      return;
    }
    v.forEach((c, i) => {
      if (typeof c !== 'string' || !RBAC_CODES.includes(c)) bad(`${path}[${i}]`, `must be one of ${RBAC_CODES.join(', ')}, got ${describe(c)}`);
    });
  };
  const objectList = (v: unknown, path: string): void => {
    if (!Array.isArray(v)) bad(path, `must be an array of Kubernetes objects, got ${describe(v)}`);
  };

  if (!isObj(raw)) return { ok: false, errors: [`${where}: a case must be a JSON object, got ${describe(raw)}`] };
  const isGrammar = Object.hasOwn(raw, 'parse');
  if (isGrammar) fields(raw, '', ['name', 'cite', 'parse', 'expected'], ['todo']);
  else fields(raw, '', ['name', 'cite', 'request', 'expected'], ['objects', 'fixtures', 'todo']);
  str(raw, 'name', 'name', true);
  str(raw, 'cite', 'cite', true);
  const todo = raw['todo'];
  if (todo !== undefined && typeof todo !== 'boolean' && (typeof todo !== 'string' || todo === '')) bad('todo', `must be true or a non-empty reason string, got ${describe(todo)}`);

  if (isGrammar) validateGrammar(raw);
  else validateDecision(raw);
  return errors.length > 0 ? { ok: false, errors } : { ok: true, value: raw as unknown as ConformanceCase };

  function validateGrammar(c: Obj): void {
    const parse = c['parse'];
    if (!isObj(parse)) bad('parse', `must be an object { objects, defaultNamespace? }, got ${describe(parse)}`);
    else {
      fields(parse, 'parse', ['objects'], ['defaultNamespace']);
      if (parse['objects'] !== undefined) objectList(parse['objects'], 'parse.objects');
      str(parse, 'defaultNamespace', 'parse.defaultNamespace', true);
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
    errs.forEach((e, i) => {
      const p = `expected.errors[${i}]`;
      if (!isObj(e)) {
        bad(p, `must be an object { code, path }, got ${describe(e)}`);
        return;
      }
      fields(e, p, ['code', 'path'], []);
      if (e['code'] !== undefined && (typeof e['code'] !== 'string' || !RBAC_CODES.includes(e['code']))) bad(`${p}.code`, `must be one of ${RBAC_CODES.join(', ')}, got ${describe(e['code'])}`);
      str(e, 'path', `${p}.path`);
    });
  }

  function validateDecision(c: Obj): void {
    if (!Object.hasOwn(c, 'objects') && !Object.hasOwn(c, 'fixtures')) bad('objects', 'or `fixtures` is required');
    if (c['objects'] !== undefined) objectList(c['objects'], 'objects');
    const fx = c['fixtures'];
    if (fx !== undefined) {
      strings(c, 'fixtures', 'fixtures', true);
      if (Array.isArray(fx)) fx.forEach((f, i) => typeof f === 'string' && !FIXTURE_RE.test(f) && bad(`fixtures[${i}]`, `must be a relative path to a .yaml file under fixtures/ (no \`..\`), got ${describe(f)}`));
    }

    const r = c['request'];
    if (!isObj(r)) {
      if (r !== undefined) bad('request', `must be an object, got ${describe(r)}`);
    } else {
      fields(r, 'request', ['user', 'verb'], ['resourceRequest', 'namespace', 'apiGroup', 'resource', 'subresource', 'name', 'path']);
      str(r, 'verb', 'request.verb', true);
      for (const k of ['namespace', 'apiGroup', 'resource', 'subresource', 'name', 'path']) str(r, k, `request.${k}`);
      const rr = r['resourceRequest'];
      if (rr !== undefined && typeof rr !== 'boolean') bad('request.resourceRequest', `must be a boolean, got ${describe(rr)}`);
      if (rr === false) {
        if (r['path'] === undefined) bad('request.path', 'is required for a non-resource request');
        for (const k of ['apiGroup', 'resource', 'subresource', 'name']) if (r[k] !== undefined) bad(`request.${k}`, 'makes no sense in a non-resource request (`resourceRequest: false`)');
      } else {
        if (r['path'] !== undefined) bad('request.path', 'needs `"resourceRequest": false`');
        if (r['resource'] === undefined) bad('request.resource', 'is required for a resource request');
      }
      const u = r['user'];
      if (!isObj(u)) {
        if (u !== undefined) bad('request.user', `must be an object { name, groups?, uid?, extra? }, got ${describe(u)}`);
      } else {
        fields(u, 'request.user', ['name'], ['groups', 'uid', 'extra']);
        str(u, 'name', 'request.user.name', true);
        strings(u, 'groups', 'request.user.groups');
        str(u, 'uid', 'request.user.uid');
        const extra = u['extra'];
        if (extra !== undefined) {
          if (!isObj(extra)) bad('request.user.extra', `must be an object of string arrays, got ${describe(extra)}`);
          else for (const k of Object.keys(extra)) strings(extra, k, `request.user.extra.${k}`);
        }
      }
    }

    const exp = c['expected'];
    if (!isObj(exp)) {
      if (exp !== undefined) bad('expected', `must be an object, got ${describe(exp)}`);
      return;
    }
    fields(exp, 'expected', ['verdict'], ['reason', 'reasons', 'errors', 'diagnostics']);
    const v = exp['verdict'];
    if (v !== undefined && (typeof v !== 'string' || !(VERDICTS as readonly string[]).includes(v))) bad('expected.verdict', `must be one of "allow", "no-opinion" (RBAC never denies), got ${describe(v)}`);
    str(exp, 'reason', 'expected.reason', true);
    strings(exp, 'reasons', 'expected.reasons', true);
    if (v === 'no-opinion' && (exp['reason'] !== undefined || exp['reasons'] !== undefined)) bad('expected.reason', 'makes no sense with verdict "no-opinion" (a decision without an allow has no reasons)');
    if (exp['reason'] !== undefined && exp['reasons'] !== undefined) bad('expected.reason', 'and `expected.reasons` exclude each other');
    codes(exp, 'errors', 'expected.errors');
    codes(exp, 'diagnostics', 'expected.diagnostics');
  }
}

