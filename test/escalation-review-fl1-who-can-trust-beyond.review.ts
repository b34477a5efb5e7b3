/**
 * Review fl, 1: who-can of `sts:AssumeRole` on a role said nothing of the other accounts its trust policy lets in. A
 * role trusting `arn:aws:iam::B:root` (or one of B's users, behind an external id) is assumed by B's principals whose
 * own policies allow it, as AWS decides cross-account AssumeRole; who-can answered with the account's own users and
 * roles alone and an empty `grantedByResourcePolicy`, so the auditor's "who can become this role?" read as closed to
 * the account while a partner account could become it. The trust policy is the resource policy STS decides under
 * (who-can already asked about the sessions it names, review ac, 1): the principals of other accounts its Allow
 * statements name are now listed in `grantedByResourcePolicy` as a bucket policy's are (review db, 3), conditions
 * (`sts:ExternalId`) included; a role trusting only its own account lists none. Each answer is then checked against
 * STS: B's admin assumes the first role, B's user the second with the external id and not without, and neither the
 * third. Before the fix the first two tests failed. Real server (SQLite), two accounts, admin API (SigV4), SDK v3.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import * as S from '@aws-sdk/client-sts';
import { gatehouseJson } from './support/resource-server.ts';
import { errorName, startTestServer, type Credentials, type TestServer } from './support/server.ts';

const A = '444455556666';
const B = '777788889999';
const role = (n: string) => `arn:aws:iam::${A}:role/${n}`;
const policy = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });

interface Grant {
  readonly principal: string;
  readonly policy: string;
  readonly conditional: boolean;
  readonly conditions: readonly string[];
}

describe('review fl1: who-can lists the other accounts a role trust policy lets in', () => {
  let s: TestServer;
  const admins: Record<string, Credentials> = {};
  let ci: Credentials;
  before(async () => {
    s = await startTestServer();
    for (const id of [A, B]) {
      const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/accounts', { id, partition: 'aws' });
      assert.equal(r.status, 201, JSON.stringify(r.json));
      admins[id] = { accessKeyId: String(r.json['AccessKeyId']), secretAccessKey: String(r.json['SecretAccessKey']) };
    }
    const b = s.iam(admins[B]);
    await b.send(new I.CreateUserCommand({ UserName: 'ci' }));
    await b.send(new I.PutUserPolicyCommand({ UserName: 'ci', PolicyName: 'assume', PolicyDocument: policy({ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: `arn:aws:iam::${A}:role/*` }) }));
    const k = (await b.send(new I.CreateAccessKeyCommand({ UserName: 'ci' }))).AccessKey;
    ci = { accessKeyId: k?.AccessKeyId ?? '', secretAccessKey: k?.SecretAccessKey ?? '' };
    const a = s.iam(admins[A]);
    await a.send(new I.CreateRoleCommand({ RoleName: 'partner', AssumeRolePolicyDocument: policy({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${B}:root` }, Action: 'sts:AssumeRole' }) }));
    await a.send(new I.CreateRoleCommand({
      RoleName: 'vendor',
      AssumeRolePolicyDocument: policy({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${B}:user/ci` }, Action: 'sts:AssumeRole', Condition: { StringEquals: { 'sts:ExternalId': 'x-42' } } }),
    }));
    await a.send(new I.CreateRoleCommand({ RoleName: 'local', AssumeRolePolicyDocument: policy({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${A}:root` }, Action: 'sts:AssumeRole' }) }));
  });
  after(() => s?.stop());

  const beyond = async (name: string, context?: Record<string, string>): Promise<Grant[]> => {
    const r = await gatehouseJson(s.url, admins[A] as Credentials, 'POST', '/v1/who-can', { action: 'sts:AssumeRole', resource: role(name), ...(context ? { context } : {}) });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    return r.json['grantedByResourcePolicy'] as Grant[];
  };

  it('a role trusting another account lists that account, and its admin assumes the role', async () => {
    const g = await beyond('partner');
    assert.deepEqual(g.map((x) => [x.principal, x.policy, x.conditional]), [[`arn:aws:iam::${B}:root`, 'trust policy of partner', false]]);
    const c = await s.sts(admins[B]).send(new S.AssumeRoleCommand({ RoleArn: role('partner'), RoleSessionName: 'bb' }));
    assert.match(c.AssumedRoleUser?.Arn ?? '', /:assumed-role\/partner\/bb$/);
  });

  it('a trust behind an external id lists the user when asked with the id, conditional on it; STS lets it in with the id only', async () => {
    // Asked with the external id (a condition the question's context does not meet lists nothing, as for a bucket policy).
    assert.deepEqual(await beyond('vendor'), []);
    const g = await beyond('vendor', { 'sts:ExternalId': 'x-42' });
    assert.deepEqual(g.map((x) => [x.principal, x.conditional, x.conditions]), [[`arn:aws:iam::${B}:user/ci`, true, ['StringEquals sts:ExternalId']]]);
    const c = await s.sts(ci).send(new S.AssumeRoleCommand({ RoleArn: role('vendor'), RoleSessionName: 'ci', ExternalId: 'x-42' }));
    assert.match(c.AssumedRoleUser?.Arn ?? '', /:assumed-role\/vendor\/ci$/);
    assert.equal(await errorName(s.sts(ci).send(new S.AssumeRoleCommand({ RoleArn: role('vendor'), RoleSessionName: 'ci' }))), 'AccessDenied');
  });

  it('a role trusting only its own account lists no one beyond it, and B may not assume it', async () => {
    assert.deepEqual(await beyond('local'), []);
    assert.equal(await errorName(s.sts(admins[B]).send(new S.AssumeRoleCommand({ RoleArn: role('local'), RoleSessionName: 'bb' }))), 'AccessDenied');
  });
});
