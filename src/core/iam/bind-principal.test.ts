import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { bindJsonStatement, boundView, keyClass, principalLookup } from './bind-principal.ts';
import { compilePolicy, contextOf, evaluate, parsePolicy, principalFromArn, type Principal } from './index.ts';

const ACCOUNT = '111122223333';
const owner = (name: string, tags: Record<string, string> = {}, path = '/'): Principal => {
  const r = principalFromArn(`arn:aws:iam::${ACCOUNT}:user${path}${name}`, { userId: `AIDA${name.toUpperCase().padEnd(17, 'X').slice(0, 17)}`, tags });
  assert.ok(r.ok);
  return r.value;
};
const job = (tags: Record<string, string> = {}): Principal => {
  const r = principalFromArn(`arn:aws:sts::${ACCOUNT}:assumed-role/GatehouseTrainingDefaultRole/job-1`, { userId: 'AROAXXXXXXXXXXXXXXXXX:job-1', tags });
  assert.ok(r.ok);
  return r.value;
};
const compile = (doc: unknown, name = 'p') => {
  const r = parsePolicy(JSON.stringify(doc), { kind: 'identity' });
  assert.ok(r.ok, JSON.stringify(r.ok ? '' : r.errors));
  return compilePolicy(r.value, name);
};
const V = '2012-10-17';
const bind = (st: Record<string, unknown>, who: Principal, version: string | undefined = V, target = V) => bindJsonStatement(st, version, target, principalLookup(who));
const PAYROLL = 'acs:odps:*:*:projects/payroll/tables/salaries';
const decide = (statements: unknown[], who: Principal, resource = PAYROLL, action = 'odps:Read', context: Record<string, unknown> = {}) =>
  evaluate({ principal: who, action, resource, context: contextOf(context) }, { identity: [compile({ Version: V, Statement: statements })] }).decision;

test('keyClass: principal keys, undecidable principal and credential keys, request keys; aws: and acs: alike', () => {
  for (const k of ['aws:PrincipalTag/clearance', 'AWS:username', 'aws:userid', 'aws:PrincipalArn', 'acs:PrincipalAccount', 'aws:PrincipalType']) assert.equal(keyClass(k), 'principal', k);
  for (const k of ['aws:PrincipalOrgID', 'aws:PrincipalTag/', 'aws:PrincipalIsAWSService', 'aws:MultiFactorAuthPresent', 'aws:TokenIssueTime', 'aws:SourceIdentity', 'aws:FederatedProvider']) assert.equal(keyClass(k), 'undecidable', k);
  for (const k of ['aws:SourceIp', 's3:prefix', 'aws:ResourceTag/clearance', 'aws:RequestTag/x', 'odps:TableName']) assert.equal(keyClass(k), 'request', k);
});

test('a Deny on the owner\'s tag: true for the owner, the entry goes and the Deny binds the job; false, the statement goes', () => {
  const st = { Effect: 'Deny', Action: 'odps:*', Resource: 'acs:odps:*:*:projects/payroll/*', Condition: { StringNotEquals: { 'aws:PrincipalTag/clearance': 'top' }, Bool: { 'aws:SecureTransport': 'true' } } };
  const low = bind(st, owner('dana', { clearance: 'low' }));
  assert.deepEqual(low, { Effect: 'Deny', Action: 'odps:*', Resource: ['acs:odps:*:*:projects/payroll/*'], Condition: { Bool: { 'aws:SecureTransport': ['true'] } } });
  assert.equal(decide([low], job(), PAYROLL, 'odps:Read', { 'aws:SecureTransport': 'true' }), 'ExplicitDeny');
  // Before binding, the job (no clearance tag: StringNotEquals on an absent key holds) was denied too, but a job
  // whose role carries clearance=top was not: the binding is to the owner, not to the job's tags.
  assert.equal(decide([low], job({ clearance: 'top' }), PAYROLL, 'odps:Read', { 'aws:SecureTransport': 'true' }), 'ExplicitDeny');
  assert.equal(bind(st, owner('tess', { Clearance: 'top' })), undefined, 'the Deny does not apply to an owner cleared top');
  // No condition left at all: the Condition element goes.
  assert.deepEqual(bind({ Effect: 'Deny', Action: '*', Resource: '*', Condition: { StringEquals: { 'aws:username': 'carl' } } }, owner('carl')), { Effect: 'Deny', Action: '*', Resource: ['*'] });
  assert.equal(bind({ Effect: 'Deny', Action: '*', Resource: '*', Condition: { ArnLike: { 'aws:PrincipalArn': `arn:aws:iam::${ACCOUNT}:user/contractors/*` } } }, owner('carl')), undefined);
  assert.deepEqual(bind({ Effect: 'Deny', Action: '*', Resource: '*', Condition: { ArnLike: { 'aws:PrincipalArn': `arn:aws:iam::${ACCOUNT}:user/contractors/*` } } }, owner('carl', {}, '/contractors/')), { Effect: 'Deny', Action: '*', Resource: ['*'] });
});

test('a statement not about the principal is returned as written', () => {
  const plain = { Effect: 'Deny', Action: 'odps:Drop*', Resource: '*', Condition: { IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } } };
  assert.equal(bind(plain, owner('carl')), plain);
  const request = { Effect: 'Deny', Action: 'odps:*', Resource: 'acs:odps:*:*:projects/${odps:Project}/*', Condition: { StringLike: { 's3:prefix': '${aws:SourceIp}' } } };
  assert.equal(bind(request, owner('carl')), request);
});

test('principal variables are replaced by the owner\'s values, as literal text; request variables stay', () => {
  const st = { Effect: 'Deny', Action: 'odps:*', Resource: ['acs:odps:*:*:projects/${aws:PrincipalTag/team}/*', 'acs:odps:*:*:projects/p/tables/${aws:username}-${odps:Suffix}'], Condition: { StringNotLike: { 's3:prefix': ['home/${aws:username}/*', 'x-${aws:PrincipalTag/none}'] } } };
  const b = bind(st, owner('carl', { team: 'a*b' }));
  assert.deepEqual(b, { Effect: 'Deny', Action: 'odps:*', Resource: ['acs:odps:*:*:projects/a${*}b/*', 'acs:odps:*:*:projects/p/tables/carl-${odps:suffix}'], Condition: { StringNotLike: { 's3:prefix': ['home/carl/*'] } } });
  // The team's `*` is a literal star: a project named `axb` is not denied, `a*b` is.
  assert.equal(decide([b], job(), 'acs:odps:*:*:projects/a*b/t', 'odps:Read', { 's3:prefix': 'z' }), 'ExplicitDeny');
  assert.equal(decide([b], job(), 'acs:odps:*:*:projects/axb/t', 'odps:Read', { 's3:prefix': 'z' }), 'ImplicitDeny');
  // A variable the owner has no value for: its pattern matches nothing for the owner, so it is left out; the
  // statement goes when none is left; a NotResource left with none excludes nothing.
  assert.equal(bind({ Effect: 'Deny', Action: '*', Resource: 'arn:aws:s3:::b/${aws:PrincipalTag/none}/*' }, owner('carl')), undefined);
  assert.deepEqual(bind({ Effect: 'Deny', Action: '*', NotResource: 'arn:aws:s3:::b/${aws:PrincipalTag/none}/*' }, owner('carl')), { Effect: 'Deny', Action: '*', Resource: ['*'] });
  assert.deepEqual(bind({ Effect: 'Deny', Action: '*', NotResource: 'arn:aws:s3:::b/${aws:username}/*' }, owner('carl')), { Effect: 'Deny', Action: '*', NotResource: ['arn:aws:s3:::b/carl/*'] });
  // A default counts as the value.
  assert.deepEqual(bind({ Effect: 'Deny', Action: '*', Resource: "arn:aws:s3:::b/${aws:PrincipalTag/none, 'nobody'}/*" }, owner('carl')), { Effect: 'Deny', Action: '*', Resource: ['arn:aws:s3:::b/nobody/*'] });
});

test('an Allow is bound the same way: one that does not allow the owner is left out', () => {
  const st = { Effect: 'Allow', Action: 'odps:*', Resource: '*', Condition: { StringNotEquals: { 'aws:PrincipalTag/contractor': 'true' } } };
  // For the job's session (no such tag) StringNotEquals on an absent key holds: as written, the copy would allow it.
  assert.equal(bind(st, owner('dana', { contractor: 'true' })), undefined);
  assert.deepEqual(bind(st, owner('carl', { contractor: 'false' })), { Effect: 'Allow', Action: 'odps:*', Resource: ['*'] });
});

test('what cannot be decided fails closed: a Deny binds more, an Allow less', () => {
  const o = owner('carl', { team: 'a' });
  for (const cond of [
    { StringEquals: { 'aws:PrincipalOrgID': 'o-1' } },
    { Null: { 'aws:MultiFactorAuthPresent': 'true' } },
    { DateLessThan: { 'aws:TokenIssueTime': '2020-01-01T00:00:00Z' } },
    // A principal key compared with a request's value.
    { StringEquals: { 'aws:PrincipalTag/team': '${s3:prefix}' } },
    // A request key whose every value names a principal variable the owner lacks.
    { StringLike: { 's3:prefix': '${aws:PrincipalTag/none}/*' } },
  ]) {
    assert.deepEqual(bind({ Effect: 'Deny', Action: '*', Resource: '*', Condition: cond }, o), { Effect: 'Deny', Action: '*', Resource: ['*'] }, JSON.stringify(cond));
    assert.equal(bind({ Effect: 'Allow', Action: '*', Resource: '*', Condition: cond }, o), undefined, JSON.stringify(cond));
  }
  // An undecidable variable: a Deny's Resource matches anything there, its NotResource pattern excludes nothing.
  assert.deepEqual(bind({ Effect: 'Deny', Action: '*', Resource: 'arn:aws:s3:::b/${aws:PrincipalOrgID}/*' }, o), { Effect: 'Deny', Action: '*', Resource: ['arn:aws:s3:::b/*/*'] });
  assert.deepEqual(bind({ Effect: 'Deny', Action: '*', NotResource: ['arn:aws:s3:::b/${aws:PrincipalOrgID}/*', 'arn:aws:s3:::c'] }, o), { Effect: 'Deny', Action: '*', NotResource: ['arn:aws:s3:::c'] });
  // A value the engine cannot read for the key (an evaluation error): the Deny stands, as the engine has it.
  assert.deepEqual(bind({ Effect: 'Deny', Action: '*', Resource: '*', Condition: { NumericLessThan: { 'aws:PrincipalTag/team': '3' } } }, o), { Effect: 'Deny', Action: '*', Resource: ['*'] });
});

test('a policy that does not honour variables: its `${` stays text in a 2012-10-17 session policy', () => {
  const st = { Effect: 'Deny', Action: '*', Resource: 'arn:aws:s3:::b/${aws:username}/*', Condition: { StringEquals: { 'aws:PrincipalTag/team': 'a' } } };
  const b = bind(st, owner('carl', { team: 'a' }), '2008-10-17');
  assert.deepEqual(b, { Effect: 'Deny', Action: '*', Resource: ['arn:aws:s3:::b/${$}{aws:username}/*'] });
  assert.equal(decide([b], job(), 'arn:aws:s3:::b/${aws:username}/x', 's3:GetObject'), 'ExplicitDeny');
  assert.equal(decide([b], job(), 'arn:aws:s3:::b/carl/x', 's3:GetObject'), 'ImplicitDeny');
});

test('boundView: the statements picked, bound, indexed as the policy indexes them', () => {
  const p = compile({ Version: V, Statement: [
    { Effect: 'Allow', Action: 'odps:*', Resource: '*' },
    { Effect: 'Deny', Action: 'odps:Read', Resource: PAYROLL, Condition: { StringEquals: { 'aws:PrincipalTag/clearance': 'low' } } },
    { Effect: 'Deny', Action: '*', Resource: 'acs:odps:*:*:projects/${aws:username}/*' },
    { Effect: 'Deny', Action: 'odps:Drop*', Resource: '*', Condition: { StringEquals: { 'aws:PrincipalTag/clearance': 'top' } } },
  ] });
  const v = boundView(p, (cs) => cs.effect === 'Deny', principalLookup(owner('carl', { clearance: 'low' })));
  assert.ok(v);
  assert.equal(v.statements.length, 2);
  assert.deepEqual(v.statements.map((s) => s.index), [1, 2]);
  const set = { identity: [compile({ Version: V, Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] }), v] };
  const as = (resource: string, action = 'odps:Read') => evaluate({ principal: job(), action, resource }, set).decision;
  assert.equal(as(PAYROLL), 'ExplicitDeny');
  assert.equal(as('acs:odps:*:*:projects/carl/tables/t'), 'ExplicitDeny');
  assert.equal(as('acs:odps:*:*:projects/job-1/tables/t'), 'Allow');
  assert.equal(as('acs:odps:*:*:projects/open/tables/t', 'odps:DropTable'), 'Allow');
  assert.equal(boundView(p, (cs) => cs.effect === 'Deny' && cs.index === 3, principalLookup(owner('carl', { clearance: 'low' }))), undefined);
});

// ---------------------------------------------------------------------------------------------------------
// Properties: whatever the owner is denied, the job carrying the bound statement is denied (never binds less); and
// where everything is decidable, the job is denied exactly what the owner is.

const TAGS = ['team', 'clearance'];
const VALUES = ['a', 'b', 'top'];
const exactEntries: [string, string, string[]][] = [
  ['StringEquals', 'aws:PrincipalTag/team', ['a']],
  ['StringNotEquals', 'aws:PrincipalTag/clearance', ['top']],
  ['StringEqualsIfExists', 'aws:PrincipalTag/clearance', ['low', 'b']],
  ['StringNotEqualsIfExists', 'aws:PrincipalTag/team', ['b']],
  ['ForAnyValue:StringEquals', 'aws:PrincipalTag/team', ['a', 'b']],
  ['ForAllValues:StringLike', 'aws:PrincipalTag/clearance', ['t*']],
  ['Null', 'aws:PrincipalTag/team', ['true']],
  ['Null', 'aws:PrincipalTag/clearance', ['false']],
  ['StringLike', 'aws:username', ['c*']],
  ['ArnLike', 'aws:PrincipalArn', [`arn:aws:iam::${ACCOUNT}:user/ops/*`]],
  ['ArnNotLike', 'aws:PrincipalArn', [`arn:aws:iam::${ACCOUNT}:user/ops/*`]],
  ['StringEquals', 'aws:PrincipalType', ['User']],
  ['StringEquals', 'aws:PrincipalAccount', [ACCOUNT]],
  ['StringEquals', 'aws:PrincipalTag/team', ['${aws:PrincipalTag/clearance}']],
  ['StringLike', 's3:prefix', ['${aws:username}/*']],
  ['StringNotLike', 's3:prefix', ['${aws:PrincipalTag/team}/*', 'pub/*']],
  ['StringEquals', 'odps:Kind', ['x']],
];
const failClosedEntries: [string, string, string[]][] = [
  ['Null', 'aws:MultiFactorAuthPresent', ['true']],
  ['StringEquals', 'aws:PrincipalOrgID', ['o-1']],
  ['StringEquals', 'aws:PrincipalTag/team', ['${odps:Kind}']],
  ['StringLike', 's3:prefix', ['${aws:PrincipalTag/clearance}/*']],
  ['NumericLessThan', 'aws:PrincipalTag/team', ['3']],
];
const RESOURCES = ['*', 'acs:odps:*:*:projects/${aws:username}/*', 'acs:odps:*:*:projects/${aws:PrincipalTag/team}/*', "acs:odps:*:*:projects/${aws:PrincipalTag/clearance, 'c'}/*", 'acs:odps:*:*:projects/p/*'];
const REQUESTS = ['acs:odps:*:*:projects/carl/tables/t', 'acs:odps:*:*:projects/a/tables/t', 'acs:odps:*:*:projects/c/tables/t', 'acs:odps:*:*:projects/p/tables/t', 'acs:odps:*:*:projects/top/tables/t'];

const tagsArb = fc.dictionary(fc.constantFrom(...TAGS), fc.constantFrom(...VALUES), { maxKeys: 2 });
const caseArb = (entries: [string, string, string[]][]) => fc.record({
  name: fc.constantFrom('carl', 'dana'),
  path: fc.constantFrom('/', '/ops/'),
  ownerTags: tagsArb,
  jobTags: tagsArb,
  entries: fc.uniqueArray(fc.constantFrom(...entries), { maxLength: 3, selector: (e) => `${e[0]} ${e[1]}` }),
  resources: fc.uniqueArray(fc.constantFrom(...RESOURCES), { minLength: 1, maxLength: 2 }),
  not: fc.boolean(),
  request: fc.constantFrom(...REQUESTS),
  prefix: fc.option(fc.constantFrom('carl/x', 'a/x', 'pub/x', 'top/x'), { nil: undefined }),
  kind: fc.option(fc.constantFrom('x', 'y'), { nil: undefined }),
});
type Case = { name: string; path: string; ownerTags: Record<string, string>; jobTags: Record<string, string>; entries: [string, string, string[]][]; resources: string[]; not: boolean; request: string; prefix: string | undefined; kind: string | undefined };

function run(c: Case): { owner: string; jobJson: string; jobView: string } {
  const condition: Record<string, Record<string, string[]>> = {};
  for (const [op, key, values] of c.entries) (condition[op] ??= {})[key] = values;
  const st = { Effect: 'Deny', Action: 'odps:*', [c.not ? 'NotResource' : 'Resource']: c.resources, ...(c.entries.length ? { Condition: condition } : {}) };
  const o = owner(c.name, c.ownerTags, c.path);
  const j = job(c.jobTags);
  const context = { ...(c.prefix !== undefined ? { 's3:prefix': c.prefix } : {}), ...(c.kind !== undefined ? { 'odps:Kind': c.kind } : {}) };
  const b = bind(st, o);
  const view = boundView(compile({ Version: V, Statement: [st] }), () => true, principalLookup(o));
  const viewDecision = view ? evaluate({ principal: j, action: 'odps:Read', resource: c.request, context: contextOf(context) }, { identity: [view] }).decision : 'ImplicitDeny';
  return { owner: decide([st], o, c.request, 'odps:Read', context), jobJson: b ? decide([b], j, c.request, 'odps:Read', context) : 'ImplicitDeny', jobView: viewDecision };
}

test('property: decidable statements bind exactly: the job is denied what the owner is, whatever the job\'s tags', () => {
  fc.assert(fc.property(caseArb(exactEntries), (c) => {
    const r = run(c as Case);
    assert.equal(r.jobJson, r.owner, JSON.stringify(c));
    assert.equal(r.jobView, r.owner, JSON.stringify(c));
  }), { numRuns: 1500 });
});

test('property: with undecidable parts too, a Deny of the owner always binds the job', () => {
  fc.assert(fc.property(caseArb([...exactEntries, ...failClosedEntries]), (c) => {
    const r = run(c as Case);
    if (r.owner === 'ExplicitDeny') {
      assert.equal(r.jobJson, 'ExplicitDeny', JSON.stringify(c));
      assert.equal(r.jobView, 'ExplicitDeny', JSON.stringify(c));
    }
  }), { numRuns: 1500 });
});
