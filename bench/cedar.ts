/**
 * Peer comparison: the same workload through Cedar (`@cedar-policy/cedar-wasm`, nodejs build), translated
 * statement by statement, and a check that both engines decide every sampled request the same way.
 *
 * Translation (`toCedar`), one Cedar policy per IAM statement:
 * - `Allow` → `permit`, `Deny` → `forbid`; principal scope `principal in Role::"<role>"`, the caller being a
 *   `Session::"<session ARN>"` entity whose parent is its role.
 * - Action patterns are expanded against the workload's action catalog (bench/workload.ts `ACTIONS`) into
 *   `action in [Action::"s3:GetObject", …]` — an inline action group; `*` leaves the action unconstrained.
 *   Equivalent on the catalog, which holds every action the requests use.
 * - Resource globs → `resource.arn like "…"` on a string attribute of the `Resource` entity, OR-ed; `*`
 *   leaves the resource unconstrained. Cedar's `like` is a whole-string glob; IAM keeps a `*` inside its
 *   ARN segment unless it is the segment's last character, a difference no workload pattern exercises
 *   (every `*` outside the resource part is a whole segment). IAM's `?` has no Cedar equivalent, so the
 *   workload has none (the translator refuses it).
 * - Conditions → `when` clauses on `context`, keeping IAM's missing-key rules: positive operators require
 *   `context has "<key>"`, negated ones are true when the key is absent. `aws:SourceIp` is passed as a
 *   Cedar `ipaddr`.
 *
 * Cedar API: `preparsePolicySet` once per role (Cedar's stateful API caches the parsed set in the module),
 * then `statefulIsAuthorized` per request with that role's set, which mirrors Gatehouse being handed the
 * caller's policies. Measured too: one preparsed set of all 500 policies (Cedar has no index, so it
 * evaluates every policy), and the stateless `isAuthorized` with the role's policy text on every call.
 * Request objects for both engines are built before timing.
 */
import * as cedar from '@cedar-policy/cedar-wasm/nodejs';
import type { AuthorizationCall, Context, EntityJson, StatefulAuthorizationCall } from '@cedar-policy/cedar-wasm/nodejs';
import { evaluate } from '../src/core/iam/index.ts';
import type { AuthzRequest, DecisionValue, PolicySet } from '../src/core/iam/index.ts';
import { prepare, type Prepared } from './iam.ts';
import { row, type BenchOptions, type BenchRow } from './report.ts';
import { expandActions, workload, type RequestSpec, type Role } from './workload.ts';

// ---------------------------------------------------------------------------------------------------------
// Translation

interface IamStatement {
  readonly Sid?: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Action: string | readonly string[];
  readonly Resource: string | readonly string[];
  readonly Condition?: Readonly<Record<string, Readonly<Record<string, string | readonly string[]>>>>;
}

const list = (x: string | readonly string[]): readonly string[] => (typeof x === 'string' ? [x] : x);

function str(s: string): string {
  return JSON.stringify(s);
}

/** An IAM glob as a Cedar `like` pattern: `*` stays a wildcard; `"` and `\` escaped. */
function likePattern(glob: string): string {
  if (glob.includes('?')) throw new Error(`no Cedar equivalent for \`?\` in \`${glob}\``);
  return `"${glob.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

function numericOp(op: string): string | undefined {
  return {
    NumericEquals: '==',
    NumericNotEquals: '!=',
    NumericLessThan: '<',
    NumericLessThanEquals: '<=',
    NumericGreaterThan: '>',
    NumericGreaterThanEquals: '>=',
  }[op];
}

/** One IAM condition entry (operator, key, values) as a Cedar boolean expression. */
function conditionExpr(op: string, key: string, values: readonly string[]): string {
  const v = `context[${str(key)}]`;
  const has = `context has ${str(key)}`;
  const any = (f: (x: string) => string): string => values.map(f).join(' || ');
  switch (op) {
    case 'StringEquals':
      return `(${has} && (${any((x) => `${v} == ${str(x)}`)}))`;
    case 'StringNotEquals':
      return `(!(${has}) || !(${any((x) => `${v} == ${str(x)}`)}))`;
    case 'StringLike':
      return `(${has} && (${any((x) => `${v} like ${likePattern(x)}`)}))`;
    case 'StringNotLike':
      return `(!(${has}) || !(${any((x) => `${v} like ${likePattern(x)}`)}))`;
    case 'Bool':
      return `(${has} && (${any((x) => `${v} == ${x === 'true' ? 'true' : 'false'}`)}))`;
    case 'IpAddress':
      return `(${has} && (${any((x) => `${v}.isInRange(ip(${str(x)}))`)}))`;
    case 'NotIpAddress':
      return `(!(${has}) || !(${any((x) => `${v}.isInRange(ip(${str(x)}))`)}))`;
    default: {
      const n = numericOp(op);
      if (n === undefined) throw new Error(`no translation for condition operator \`${op}\``);
      const cmp = (x: string): string => {
        if (!/^-?\d+$/.test(x)) throw new Error(`non-integer numeric value \`${x}\``);
        return `${v} ${n} ${x}`;
      };
      return op === 'NumericNotEquals' ? `(!(${has}) || !(${any((x) => `${v} == ${x}`)}))` : `(${has} && (${any(cmp)}))`;
    }
  }
}

/** The role's identity policies as Cedar policies, keyed by `<policy>/<Sid>`. */
export function toCedar(role: Role): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of role.policies) {
    const doc = p.document as { Statement: readonly IamStatement[] };
    doc.Statement.forEach((s, i) => {
      const actions = list(s.Action);
      const actionScope = actions.includes('*')
        ? 'action'
        : `action in [${expandActions(actions).map((a) => `Action::${str(a)}`).join(', ')}]`;
      const clauses: string[] = [];
      const resources = list(s.Resource);
      if (!resources.includes('*')) clauses.push(resources.map((r) => `resource.arn like ${likePattern(r)}`).join(' || '));
      for (const [op, keys] of Object.entries(s.Condition ?? {})) {
        for (const [key, values] of Object.entries(keys)) clauses.push(conditionExpr(op, key, list(values)));
      }
      const effect = s.Effect === 'Allow' ? 'permit' : 'forbid';
      const when = clauses.map((c) => `\n  when { ${c} }`).join('');
      out[`${p.name}/${s.Sid ?? i}`] =
        `${effect} (\n  principal in Role::${str(role.name)},\n  ${actionScope},\n  resource\n)${when};`;
    });
  }
  return out;
}

function cedarContext(c: Readonly<Record<string, string | number | boolean>>): Context {
  const out: Context = {};
  for (const [k, v] of Object.entries(c)) out[k] = k === 'aws:SourceIp' ? { __extn: { fn: 'ip', arg: String(v) } } : v;
  return out;
}

function cedarEntities(spec: RequestSpec, role: Role): EntityJson[] {
  return [
    { uid: { type: 'Session', id: spec.principalArn }, attrs: {}, parents: [{ type: 'Role', id: role.name }] },
    { uid: { type: 'Resource', id: spec.resource }, attrs: { arn: spec.resource }, parents: [] },
  ];
}

function statefulCall(spec: RequestSpec, role: Role, setId: string): StatefulAuthorizationCall {
  return {
    principal: { type: 'Session', id: spec.principalArn },
    action: { type: 'Action', id: spec.action },
    resource: { type: 'Resource', id: spec.resource },
    context: cedarContext(spec.context),
    entities: cedarEntities(spec, role),
    preparsedPolicySetId: setId,
  };
}

/** Cedar's answer in Gatehouse's terms: a deny with a determining (forbid) policy is explicit. */
function cedarDecision(answer: cedar.AuthorizationAnswer): { decision: DecisionValue; errors: number } {
  if (answer.type === 'failure') throw new Error(`cedar failed: ${answer.errors.map((e) => e.message).join('; ')}`);
  const r = answer.response;
  const decision: DecisionValue =
    r.decision === 'allow' ? 'Allow' : r.diagnostics.reason.length > 0 ? 'ExplicitDeny' : 'ImplicitDeny';
  return { decision, errors: r.diagnostics.errors.length };
}

// ---------------------------------------------------------------------------------------------------------
// Bench

function bestRate(n: number, rounds: number, f: () => void): number {
  let best = 0;
  for (let i = 0; i < rounds; i++) {
    const s = process.hrtime.bigint();
    f();
    best = Math.max(best, n / (Number(process.hrtime.bigint() - s) / 1e9));
  }
  return best;
}

export interface CedarFigures {
  readonly sample: number;
  readonly agreement: number;
  readonly disagreements: ReadonlyArray<{ readonly spec: RequestSpec; readonly gatehouse: DecisionValue; readonly cedar: DecisionValue }>;
  readonly cedarErrors: number;
  /** Cedar's decisions on the sample. */
  readonly mix: Readonly<Record<DecisionValue, number>>;
  readonly cedarPerRole: number;
  readonly cedarSingleSet: number;
  readonly cedarStateless: number;
  readonly cedarFloor: number;
  readonly gatehouse: number;
  readonly version: string;
}

export function measureCedar(opts: { quick: boolean; log: (m: string) => void }): CedarFigures {
  const w = workload();
  const sampleN = opts.quick ? 5_000 : 20_000;
  const specs = w.requests.slice(0, sampleN);
  const gh: Prepared = prepare(w.roles, specs);

  const texts = w.roles.map(toCedar);
  const all: Record<string, string> = {};
  w.roles.forEach((role, i) => {
    const ps = texts[i] ?? {};
    Object.assign(all, ps);
    const res = cedar.preparsePolicySet(`role:${role.name}`, { staticPolicies: ps });
    if (res.type === 'failure') throw new Error(`cedar rejected ${role.name}: ${res.errors.map((e) => e.message).join('; ')}`);
  });
  const allRes = cedar.preparsePolicySet('all', { staticPolicies: all });
  if (allRes.type === 'failure') throw new Error(`cedar rejected the policy set: ${allRes.errors[0]?.message}`);

  const roleOf = (s: RequestSpec): Role => {
    const r = w.roles[s.role];
    if (r === undefined) throw new Error('bad role index');
    return r;
  };
  const perRole = specs.map((s) => statefulCall(s, roleOf(s), `role:${roleOf(s).name}`));
  const single = specs.map((s) => statefulCall(s, roleOf(s), 'all'));

  // Agreement, on the whole sample, per-role sets.
  let agree = 0;
  let cedarErrors = 0;
  const mix: Record<DecisionValue, number> = { Allow: 0, ExplicitDeny: 0, ImplicitDeny: 0 };
  const disagreements: Array<{ spec: RequestSpec; gatehouse: DecisionValue; cedar: DecisionValue }> = [];
  for (let i = 0; i < specs.length; i++) {
    const g = evaluate(gh.requests[i] as AuthzRequest, gh.sets[gh.roleOf[i] as number] as PolicySet).decision;
    const c = cedarDecision(cedar.statefulIsAuthorized(perRole[i] as StatefulAuthorizationCall));
    cedarErrors += c.errors;
    mix[c.decision]++;
    if (c.decision === g) agree++;
    else if (disagreements.length < 10) disagreements.push({ spec: specs[i] as RequestSpec, gatehouse: g, cedar: c.decision });
  }
  // The single set must decide as the per-role sets do (it only adds policies of other principals).
  for (let i = 0; i < Math.min(2_000, specs.length); i++) {
    const a = cedar.statefulIsAuthorized(perRole[i] as StatefulAuthorizationCall);
    const b = cedar.statefulIsAuthorized(single[i] as StatefulAuthorizationCall);
    if (cedarDecision(a).decision !== cedarDecision(b).decision) throw new Error(`single set disagrees on request ${i}`);
  }

  const rounds = opts.quick ? 1 : 3;
  let sink = 0;
  const cedarPerRole = bestRate(specs.length, rounds, () => {
    for (const call of perRole) if (cedar.statefulIsAuthorized(call).type === 'success') sink++;
  });
  opts.log(`cedar: ${Math.round(cedarPerRole)} decisions/s (per-role preparsed sets)`);
  const singleN = Math.min(specs.length, opts.quick ? 1_000 : 5_000);
  const cedarSingleSet = bestRate(singleN, 1, () => {
    for (let i = 0; i < singleN; i++) if (cedar.statefulIsAuthorized(single[i] as StatefulAuthorizationCall).type === 'success') sink++;
  });
  const statelessN = Math.min(specs.length, opts.quick ? 500 : 2_000);
  const stateless: AuthorizationCall[] = specs.slice(0, statelessN).map((s) => {
    const { preparsedPolicySetId: _id, ...rest } = statefulCall(s, roleOf(s), '');
    return { ...rest, policies: { staticPolicies: texts[s.role] ?? {} } };
  });
  const cedarStateless = bestRate(statelessN, 1, () => {
    for (const call of stateless) if (cedar.isAuthorized(call).type === 'success') sink++;
  });
  // The cost of a call that decides nothing: one `permit(principal, action, resource);`, no entities, empty
  // context — the floor set by crossing into wasm and back.
  const floorRes = cedar.preparsePolicySet('floor', { staticPolicies: { p: 'permit (principal, action, resource);' } });
  if (floorRes.type === 'failure') throw new Error('cedar rejected the floor policy');
  const floorCall: StatefulAuthorizationCall = {
    principal: { type: 'Session', id: 's' },
    action: { type: 'Action', id: 's3:GetObject' },
    resource: { type: 'Resource', id: 'r' },
    context: {},
    entities: [],
    preparsedPolicySetId: 'floor',
  };
  const floorN = opts.quick ? 2_000 : 10_000;
  bestRate(floorN, 1, () => {
    for (let i = 0; i < floorN; i++) cedar.statefulIsAuthorized(floorCall);
  });
  const cedarFloor = bestRate(floorN, rounds, () => {
    for (let i = 0; i < floorN; i++) if (cedar.statefulIsAuthorized(floorCall).type === 'success') sink++;
  });
  // Gatehouse on the same sample, same timing method (with warm-up, best of rounds).
  const ghPass = (): void => {
    for (let i = 0; i < gh.requests.length; i++) {
      if (evaluate(gh.requests[i] as AuthzRequest, gh.sets[gh.roleOf[i] as number] as PolicySet).decision === 'Allow') sink++;
    }
  };
  bestRate(specs.length, 3, ghPass);
  const gatehouse = bestRate(specs.length, opts.quick ? 3 : 7, ghPass);
  if (sink < 0) opts.log('unreachable');

  return {
    sample: specs.length,
    agreement: agree / specs.length,
    disagreements,
    cedarErrors,
    mix,
    cedarPerRole,
    cedarSingleSet,
    cedarStateless,
    cedarFloor,
    gatehouse,
    version: cedar.getCedarVersion(),
  };
}

export function benchCedar(opts: BenchOptions): BenchRow[] {
  const f = measureCedar(opts);
  for (const d of f.disagreements) {
    opts.log(`cedar: disagreement gatehouse=${d.gatehouse} cedar=${d.cedar}: ${JSON.stringify(d.spec)}`);
  }
  const r = (x: number): number => Math.round(x);
  return [
    row('cedar', 'cedar version', `${f.version} (cedar-wasm, nodejs build)`, ''),
    row('cedar', 'sample', f.sample, 'requests'),
    row('cedar', 'cedar decisions (allow / explicit / implicit deny)', `${f.mix.Allow} / ${f.mix.ExplicitDeny} / ${f.mix.ImplicitDeny}`, ''),
    row('cedar', 'agreement with Gatehouse (3-way decision)', 100 * f.agreement, '%', {
      text: '100',
      pass: f.agreement === 1,
    }),
    row('cedar', 'cedar evaluation errors', f.cedarErrors, ''),
    row('cedar', 'cedar statefulIsAuthorized, per-role set', r(f.cedarPerRole), 'decisions/s'),
    row('cedar', 'cedar statefulIsAuthorized, one set of 500', r(f.cedarSingleSet), 'decisions/s'),
    row('cedar', 'cedar isAuthorized, policy text per call', r(f.cedarStateless), 'decisions/s'),
    row('cedar', 'cedar floor: 1 trivial permit, no entities', r(f.cedarFloor), 'calls/s'),
    row('cedar', 'gatehouse evaluate, same sample', r(f.gatehouse), 'decisions/s'),
    row('cedar', 'ratio gatehouse / cedar (per-role set)', f.gatehouse / f.cedarPerRole, '×'),
  ];
}
