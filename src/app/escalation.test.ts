/**
 * The search of src/app/escalation.ts on a stub engine: shortest paths, each principal's gains from the closest
 * actor, the question budget, and a refused question refusing the whole answer. (Against the real engine and
 * server: test/escalation-paths.part.ts.)
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ok, failWith } from '../core/errors.ts';
import type { Decision } from '../core/iam/index.ts';
import { createEscalation, widerVersions, type EscalationDeps } from './escalation.ts';
import type { AuthorizeAnswer } from './authorize.ts';
import type { Caller } from './principals.ts';
import type { AuthorizationDetails } from './simulate.ts';

const A = '000000000000';
const caller = { account: A, partition: 'aws', principal: { arn: `arn:aws:iam::${A}:user/admin` } } as unknown as Caller;
const user = (name: string) => ({ user: { name, path: '/', permissionsBoundary: null }, inlinePolicies: [], groups: [], attached: [] });
const role = (name: string) => ({ role: { name, path: '/', permissionsBoundary: null }, inlinePolicies: [], attached: [] });
const details = { users: [user('a'), user('b')], groups: [], roles: [role('r1'), role('r2')], policies: [] } as unknown as AuthorizationDetails;
const allow = { decision: 'Allow', reasons: ['stub: Allow'], matched: [], diagnostics: [], evaluationMicros: 0 } as AuthorizeAnswer;

/**
 * a may assume r1, r1 may assume r2; r2 may attach a policy to itself; nothing else. The stubs answer apart from the
 * policies `principalOf` returns (none) and the trust policies listed (none), so the sieve, which reads them, is off.
 */
function stub(over: Partial<EscalationDeps> = {}): EscalationDeps {
  const assumable: Record<string, string> = { [`arn:aws:iam::${A}:user/a`]: 'r1', [`arn:aws:iam::${A}:role/r1`]: 'r2' };
  return {
    details: async () => ok(details),
    simulate: async (_c, q) => ok(q.principal === `arn:aws:iam::${A}:role/r2` && q.action === 'iam:AttachRolePolicy' && q.resource === `arn:aws:iam::${A}:role/r2` ? allow : { ...allow, decision: 'ImplicitDeny' }),
    principalOf: async (_c, arn) => ok({ principal: { kind: 'user', arn, partition: 'aws', account: A } as never, policies: { identity: [] } }),
    assumeDecision: async (p, _pol, roleArn) => ({ decision: roleArn.endsWith(`/${assumable[p.arn] ?? '-'}`) ? 'Allow' : 'ImplicitDeny', summary: 'stub' }) as Decision,
    workspaces: async () => [],
    clusters: async () => [],
    sift: false,
    ...over,
  };
}

describe('escalation search', () => {
  it('follows the shortest chain and takes each principal’s gains from the closest actor', async () => {
    const r = await createEscalation(stub())(caller, { principal: `arn:aws:iam::${A}:user/a` });
    assert.ok(r.ok);
    const report = r.value.reports[0];
    assert.deepEqual(report?.canBecome.map((b) => [b.principal, b.path.map((s) => s.how)]), [
      [`arn:aws:iam::${A}:role/r1`, ['sts:AssumeRole']],
      [`arn:aws:iam::${A}:role/r2`, ['sts:AssumeRole', 'sts:AssumeRole']],
    ]);
    assert.deepEqual(report?.canGain.map((g) => [g.gain.by, g.gain.action, g.path.length]), [[`arn:aws:iam::${A}:role/r2`, 'iam:AttachRolePolicy', 2]]);
    assert.equal(report?.anyRight, true);
    const b = await createEscalation(stub())(caller, { principal: `arn:aws:iam::${A}:user/b` });
    assert.ok(b.ok);
    assert.deepEqual([b.value.reports[0]?.canBecome, b.value.reports[0]?.anyRight], [[], false]);
  });

  it('keeps a farther actor’s larger gain over a principal when a closer actor has a smaller one', async () => {
    // a may join group g (the rights of a group: it has an Allow, review lk, 2); r2, reached through r1, may write a
    // policy on a (any right).
    const reads = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }] });
    const withGroup = { ...details, groups: [{ group: { name: 'g', path: '/' }, inlinePolicies: [{ name: 'reads', document: reads }], attached: [] }] } as unknown as AuthorizationDetails;
    const grants = new Set([`arn:aws:iam::${A}:user/a iam:AddUserToGroup arn:aws:iam::${A}:group/g`, `arn:aws:iam::${A}:role/r2 iam:PutUserPolicy arn:aws:iam::${A}:user/a`]);
    const r = await createEscalation(stub({ details: async () => ok(withGroup), simulate: async (_c, q) => ok(grants.has(`${q.principal} ${q.action} ${q.resource}`) ? allow : { ...allow, decision: 'ImplicitDeny' }) }))(caller, {
      principal: `arn:aws:iam::${A}:user/a`,
    });
    assert.ok(r.ok);
    const gains = r.value.reports[0]?.canGain.filter((g) => g.gain.principal === `arn:aws:iam::${A}:user/a`).map((g) => [g.gain.by, g.gain.action, g.gain.gives, g.path.length]);
    assert.deepEqual(gains, [
      [`arn:aws:iam::${A}:user/a`, 'iam:AddUserToGroup', 'group', 0],
      [`arn:aws:iam::${A}:role/r2`, 'iam:PutUserPolicy', 'any', 2],
    ]);
    assert.equal(r.value.reports[0]?.anyRight, true);
  });

  it('refuses the whole answer past its question budget, and when the engine refuses a question', async () => {
    const capped = await createEscalation(stub({ maxQuestions: 10 }))(caller, {});
    assert.equal(capped.ok, false);
    assert.equal(capped.ok ? '' : capped.errors[0]?.code, 'LIMIT_EXCEEDED');
    assert.match(capped.ok ? '' : capped.errors[0]?.message ?? '', /need more than 10 questions of the engine: ask about one principal at a time/);
    const refused = await createEscalation(stub({ simulate: async () => failWith('ACCESS_DENIED', 'not allowed gatehouse:Authorize') }))(caller, {});
    assert.equal(refused.ok, false);
    assert.match(refused.ok ? '' : refused.errors[0]?.message ?? '', /^user a: not allowed gatehouse:Authorize$/);
  });

  it('refuses at once an answer bound to run past its budget, asking nothing of the trust decisions (review dx, 1)', async () => {
    // 4 principals: each search's start asks at least 3 questions (one per other principal), 12 in all, over 10.
    let asked = 0;
    let assumed = 0;
    const counting = stub();
    const r = await createEscalation({
      ...counting,
      maxQuestions: 10,
      simulate: async (c, q) => (asked++, counting.simulate(c, q)),
      assumeDecision: async (...a) => (assumed++, counting.assumeDecision(...a)),
    })(caller, {});
    assert.equal(r.ok ? '' : r.errors[0]?.code, 'LIMIT_EXCEEDED');
    assert.match(r.ok ? '' : r.errors[0]?.message ?? '', /need more than 10 questions of the engine: ask about one principal at a time/);
    // Before: 10 questions asked, then refused. Now: one question with the context, to rule out a sooner refusal.
    assert.deepEqual([asked, assumed], [1, 0]);
    // What would have refused it sooner still does: a question the engine refuses.
    const refused = await createEscalation(stub({ maxQuestions: 10, simulate: async () => failWith('ACCESS_DENIED', 'not allowed gatehouse:Authorize') }))(caller, {});
    assert.match(refused.ok ? '' : refused.errors[0]?.message ?? '', /^user a: not allowed gatehouse:Authorize$/);
    const unknown = await createEscalation(stub({ maxQuestions: 10, principalOf: async () => failWith('ACCESS_DENIED', 'may not ask') }))(caller, {});
    assert.match(unknown.ok ? '' : unknown.errors[0]?.message ?? '', /^user a: may not ask$/);
    // At the bound itself the search runs as before.
    const at = await createEscalation(stub({ maxQuestions: 1_000 }))(caller, {});
    assert.ok(at.ok);
  });
});

describe('widerVersions: which versions of a managed policy may allow more than the default', () => {
  const v = (versionId: string, isDefault: boolean, ...Statement: unknown[]) => ({ versionId, isDefault, created: '', document: JSON.stringify({ Version: '2012-10-17', Statement }) });
  const s = (Action: unknown, Resource: unknown = '*', extra: Record<string, unknown> = {}) => ({ Effect: 'Allow', Action, Resource, ...extra });
  const deny = { Effect: 'Deny', Action: 's3:DeleteObject', Resource: '*' };
  const cond = { Condition: { IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } } };
  const def = v('v2', true, s('s3:Get*', 'arn:aws:s3:::data/*'), s('iam:SetDefaultPolicyVersion', 'arn:aws:iam::000000000000:policy/p'));
  const table: [string, ReturnType<typeof v>[], { versionId: string; any: boolean }[]][] = [
    ['only the default', [def], []],
    ['the same statements, another order and Sid', [v('v1', false, s('iam:SetDefaultPolicyVersion', 'arn:aws:iam::000000000000:policy/p'), { Sid: 'x', ...s(['S3:GetObject', 's3:Get*'], 'arn:aws:s3:::data/*') }), def], []],
    ['narrower actions and resources', [v('v1', false, s(['s3:GetObject', 's3:GetObject?cl'], ['arn:aws:s3:::data/a/*', 'arn:aws:s3:::data/b'])), def], []],
    ['a condition the default does not need', [v('v1', false, s('s3:GetObject', 'arn:aws:s3:::data/x', cond)), def], []],
    ['Allow *', [v('v1', false, s('*')), def], [{ versionId: 'v1', any: true }]],
    ['Allow * with a Deny', [v('v1', false, s('*'), deny), def], [{ versionId: 'v1', any: false }]],
    ['a wider action', [v('v1', false, s('s3:*', 'arn:aws:s3:::data/*')), def], [{ versionId: 'v1', any: false }]],
    ['a wider resource', [v('v1', false, s('s3:GetObject', 'arn:aws:s3:::*')), def], [{ versionId: 'v1', any: false }]],
    ['a resource wildcard outside the resource part', [v('v1', false, s('s3:GetObject', 'arn:aws:s3:::data/x')), v('v2', true, s('s3:GetObject', 'arn:aws:s3:*'))], [{ versionId: 'v1', any: false }]],
    ['NotAction', [v('v1', false, { Effect: 'Allow', NotAction: 'iam:*', Resource: '*' }), def], [{ versionId: 'v1', any: false }]],
    ['without the default’s Deny', [v('v1', false, s('s3:*')), v('v2', true, s('s3:*'), deny)], [{ versionId: 'v1', any: false }]],
    ['without the default’s condition', [v('v1', false, s('s3:Get*', 'arn:aws:s3:::data/*')), v('v2', true, s('s3:Get*', 'arn:aws:s3:::data/*', cond))], [{ versionId: 'v1', any: false }]],
    ['the same policy variable', [v('v1', false, s('s3:GetObject', 'arn:aws:s3:::home/${aws:username}/x')), v('v2', true, s('s3:GetObject', 'arn:aws:s3:::home/${aws:username}/*'))], []],
    ['a policy variable under another Version', [{ versionId: 'v1', isDefault: false, created: '', document: JSON.stringify({ Version: '2008-10-17', Statement: [s('s3:GetObject', 'arn:aws:s3:::home/${aws:username}/x')] }) }, v('v2', true, s('s3:GetObject', 'arn:aws:s3:::home/${aws:username}/*'))], [{ versionId: 'v1', any: false }]],
    ['a wildcard in the region or account is not proved to cover (counted as more)', [{ versionId: '1', isDefault: false, created: '', document: JSON.stringify({ Version: '1', Statement: [s('oss:GetObject', 'acs:oss:*:*:data/a')] }) }, { versionId: '2', isDefault: true, created: '', document: JSON.stringify({ Version: '1', Statement: [s('oss:Get*', 'acs:oss:*:*:data/*')] }) }], [{ versionId: '1', any: false }]],
    ['a document that does not parse', [{ versionId: 'v1', isDefault: false, created: '', document: '{' }, def], [{ versionId: 'v1', any: false }]],
    ['several, in order', [v('v1', false, s('*')), v('v3', false, s('s3:GetObject', 'arn:aws:s3:::data/k')), v('v4', false, s('ec2:*')), def], [{ versionId: 'v1', any: true }, { versionId: 'v4', any: false }]],
  ];
  for (const [name, versions, expected] of table) {
    it(name, () => assert.deepEqual(widerVersions(versions), expected));
  }
});
