/**
 * The search of src/app/escalation.ts on a stub engine: shortest paths, each principal's gains from the closest
 * actor, the question budget, and a refused question refusing the whole answer. (Against the real engine and
 * server: test/escalation-paths.test.ts.)
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ok, failWith } from '../core/errors.ts';
import type { Decision } from '../core/iam/index.ts';
import { createEscalation, type EscalationDeps } from './escalation.ts';
import type { AuthorizeAnswer } from './authorize.ts';
import type { Caller } from './principals.ts';
import type { AuthorizationDetails } from './simulate.ts';

const A = '000000000000';
const caller = { account: A, partition: 'aws', principal: { arn: `arn:aws:iam::${A}:user/admin` } } as unknown as Caller;
const user = (name: string) => ({ user: { name, path: '/', permissionsBoundary: null }, inlinePolicies: [], groups: [], attached: [] });
const role = (name: string) => ({ role: { name, path: '/', permissionsBoundary: null }, inlinePolicies: [], attached: [] });
const details = { users: [user('a'), user('b')], groups: [], roles: [role('r1'), role('r2')], policies: [] } as unknown as AuthorizationDetails;
const allow = { decision: 'Allow', reasons: ['stub: Allow'], matched: [], diagnostics: [], evaluationMicros: 0 } as AuthorizeAnswer;

/** a may assume r1, r1 may assume r2; r2 may attach a policy to itself; nothing else. */
function stub(over: Partial<EscalationDeps> = {}): EscalationDeps {
  const assumable: Record<string, string> = { [`arn:aws:iam::${A}:user/a`]: 'r1', [`arn:aws:iam::${A}:role/r1`]: 'r2' };
  return {
    details: async () => ok(details),
    simulate: async (_c, q) => ok(q.principal === `arn:aws:iam::${A}:role/r2` && q.action === 'iam:AttachRolePolicy' && q.resource === `arn:aws:iam::${A}:role/r2` ? allow : { ...allow, decision: 'ImplicitDeny' }),
    principalOf: async (_c, arn) => ok({ principal: { kind: 'user', arn, partition: 'aws', account: A } as never, policies: { identity: [] } }),
    assumeDecision: async (p, _pol, roleArn) => ({ decision: roleArn.endsWith(`/${assumable[p.arn] ?? '-'}`) ? 'Allow' : 'ImplicitDeny', summary: 'stub' }) as Decision,
    workspaces: async () => [],
    clusters: async () => [],
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
    // a may join group g (the rights of a group); r2, reached through r1, may write a policy on a (any right).
    const withGroup = { ...details, groups: [{ group: { name: 'g', path: '/' }, inlinePolicies: [], attached: [] }] } as unknown as AuthorizationDetails;
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
});
