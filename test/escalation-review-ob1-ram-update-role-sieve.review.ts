/**
 * Review ob, 1: in an `acs` account a role's trust policy is changed by RAM's own action, `ram:UpdateRole`
 * (`NewAssumeRolePolicyDocument`; the RAM API reference's "RAM authorization" table of UpdateRole), and the IAM API
 * decides `UpdateAssumeRolePolicy` there under that name too: an Allow of `ram:UpdateRole` grants it (review lp, 2,
 * docs/decisions.md). escalation-paths lists "rewrite a role's trust policy to name itself, then assume it" (`gives`
 * the role: docs/decisions.md "Escalation paths are a search over questions to the same engine"), but its sieve (review
 * ee, 1), which skips a question no Allow statement of the principal's own policies could grant, read those statements
 * for `ram:UpdateAssumeRolePolicy` alone. Once the search had asked one question, a RAM user allowed `ram:UpdateRole`
 * on a role, the way RAM's documents grant it, was never asked about that role: the report said it could not reach it,
 * though the IAM API lets it rewrite the trust policy and STS then lets it assume the role. The sieve now reads the
 * statements for RAM's own name of the action as well, as the IAM API decides it. Real server (SQLite), the account
 * made by the CLI, SDK v3 IAM for the directory and the rewrite, the authorize API for the assume.
 *
 * Before the fix 2 of 3 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { acsAccount, ramUser } from './support/alibaba-world.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, type Credentials, type TestServer } from './support/server.ts';

const ACS = '350000000971';
const role = (n: string) => `acs:ram::${ACS}:role/${n}`;
const user = (n: string) => `acs:ram::${ACS}:user/${n}`;
const serviceTrust = JSON.stringify({ Version: '1', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { Service: ['ecs.aliyuncs.com'] } }] });

describe('review ob1: escalation-paths and a trust policy rewritten under RAM’s own name, ram:UpdateRole', () => {
  let s: TestServer;
  let root: Credentials;
  let carolKey: Credentials;
  before(async () => {
    s = await startTestServer();
    root = await acsAccount(s, ACS);
    const admin = s.iam(root);
    // `alpha` comes first: the question about it is the one after which the sieve skips what it may.
    for (const name of ['alpha', 'ops']) await admin.send(new I.CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: serviceTrust }));
    await admin.send(new I.PutRolePolicyCommand({ RoleName: 'ops', PolicyName: 'all', PolicyDocument: JSON.stringify({ Version: '1', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] }) }));
    // As RAM's documents grant it; and sts:AssumeRole, which a RAM user needs besides the role's trust.
    carolKey = await ramUser(admin, 'carol', { Effect: 'Allow', Action: 'ram:UpdateRole', Resource: role('ops') }, { Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' });
    // The same grant under the IAM API's name of the call, which the sieve read already.
    await ramUser(admin, 'dave', { Effect: 'Allow', Action: 'ram:UpdateAssumeRolePolicy', Resource: role('ops') }, { Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' });
  });
  after(() => s?.stop());

  const reached = async (principal?: string): Promise<Map<string, string[]>> => {
    const r = await gatehouseJson(s.url, root, 'POST', '/v1/escalation-paths', principal === undefined ? {} : { principal });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    const reports = r.json['reports'] as { principal: string; canBecome: { principal: string; path: { how: string; actions: string[] }[] }[] }[];
    return new Map(reports.map((rep) => [rep.principal, rep.canBecome.filter((b) => b.path.length === 1).map((b) => `${b.principal} ${b.path.map((p) => `${p.how} [${p.actions.join(', ')}]`).join(' ')}`)]));
  };
  const step = `${role('ops')} iam:UpdateAssumeRolePolicy [ram:UpdateAssumeRolePolicy, sts:AssumeRole]`;

  it('a RAM user allowed ram:UpdateRole on a role reaches it by rewriting its trust policy, as one allowed ram:UpdateAssumeRolePolicy does', async () => {
    assert.deepEqual((await reached(user('dave'))).get(user('dave')), [step]);
    // Before the fix: [].
    assert.deepEqual((await reached(user('carol'))).get(user('carol')), [step]);
  });

  it('so does the report of every principal of the account', async () => {
    const all = await reached();
    assert.ok(all.get(user('dave'))?.includes(step), JSON.stringify(all.get(user('dave'))));
    // Before the fix: carol's report listed nothing.
    assert.ok(all.get(user('carol'))?.includes(step), JSON.stringify(all.get(user('carol'))));
  });

  it('the step holds: carol rewrites the trust policy through the IAM API, and may then assume the role', async () => {
    const decision = async (): Promise<unknown> => (await gatehouseJson(s.url, root, 'POST', '/v1/authorize', { principal: user('carol'), action: 'sts:AssumeRole', resource: role('ops') })).json['decision'];
    assert.equal(await decision(), 'ImplicitDeny');
    const carol = s.iam(carolKey);
    await carol.send(new I.UpdateAssumeRolePolicyCommand({ RoleName: 'ops', PolicyDocument: JSON.stringify({ Version: '1', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { RAM: [user('carol')] } }] }) }));
    assert.equal(await decision(), 'Allow');
  });
});
