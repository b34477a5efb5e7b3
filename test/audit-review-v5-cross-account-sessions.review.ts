/**
 * Review V, V5: a cross-account AssumeRole was recorded in one account only, and each account's readers see their own
 * account's records (`audit query` outside the root account). A principal of account B refused a role of account A
 * was recorded in B: A's administrators never saw who had tried their role. A session B's principal obtained in A
 * was recorded in A: B's administrators never saw what their principal had obtained elsewhere. CloudTrail delivers a
 * cross-account AssumeRole to both accounts. Now both are recorded in both accounts, each copy marked
 * `detail.crossAccount` ({callerAccount, roleAccount}); a same-account session is recorded once, as before.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { CreateRoleCommand } from '@aws-sdk/client-iam';
import type { AuditRecord } from '../src/core/audit/index.ts';
import { sdkFailure, startTestServer, type Credentials, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

const A = '111111111111';
const B = '222222222222';
const trust = (principal: string) => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: principal }, Action: 'sts:AssumeRole' }] });

describe('review V5: cross-account sessions are recorded in both accounts', () => {
  let s: TestServer;
  const admins: Record<string, Credentials> = {};

  const sessions = async (who: Credentials): Promise<AuditRecord[]> => {
    await s.running.app.audit.flush();
    const r = await gatehouseJson(s.url, who, 'GET', '/v1/audit?kind=session&limit=1000');
    assert.equal(r.status, 200, JSON.stringify(r.json));
    return r.json['records'] as AuditRecord[];
  };

  before(async () => {
    s = await startTestServer();
    for (const id of [A, B]) {
      const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/accounts', { id, partition: 'aws' });
      assert.equal(r.status, 201, JSON.stringify(r.json));
      const j = r.json as Record<string, string>;
      admins[id] = { accessKeyId: String(j['AccessKeyId'] ?? j['accessKeyId']), secretAccessKey: String(j['SecretAccessKey'] ?? j['secretAccessKey']) };
    }
    const iam = s.iam(admins[A]);
    await iam.send(new CreateRoleCommand({ RoleName: 'shared', AssumeRolePolicyDocument: trust(`arn:aws:iam::${B}:user/admin`) }));
    await iam.send(new CreateRoleCommand({ RoleName: 'private', AssumeRolePolicyDocument: trust(`arn:aws:iam::${A}:root`) }));
    await iam.send(new CreateRoleCommand({ RoleName: 'own', AssumeRolePolicyDocument: trust(`arn:aws:iam::${A}:root`) }));
    await s.running.app.refresh();
  });
  after(async () => {
    await s.stop();
  });

  it("each account sees the session issued and the refusal; the root account reads both copies; a same-account session once", async () => {
    const sts = s.sts(admins[B]);
    await sts.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${A}:role/shared`, RoleSessionName: 'v5-issued' }));
    const refused = await sdkFailure(sts.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${A}:role/private`, RoleSessionName: 'v5-refused' })));
    assert.equal(refused.code, 'AccessDenied');
    await s.sts(admins[A]).send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${A}:role/own`, RoleSessionName: 'v5-own' }));
    const names = (records: AuditRecord[]) => records.map((r) => `${String(r.detail['sessionName'])}:${r.decision}`).sort();
    const ofA = await sessions(admins[A] as Credentials);
    const ofB = await sessions(admins[B] as Credentials);
    assert.deepEqual(names(ofA), ['v5-issued:Allow', 'v5-own:Allow', 'v5-refused:Deny'], JSON.stringify(ofA));
    assert.deepEqual(names(ofB), ['v5-issued:Allow', 'v5-refused:Deny'], JSON.stringify(ofB));
    for (const r of [...ofA, ...ofB]) {
      if (r.detail['sessionName'] === 'v5-own') assert.equal(r.detail['crossAccount'], undefined);
      else assert.deepEqual(r.detail['crossAccount'], { callerAccount: B, roleAccount: A });
      assert.equal(r.principal, r.detail['sessionName'] === 'v5-own' ? `arn:aws:iam::${A}:user/admin` : `arn:aws:iam::${B}:user/admin`);
    }
    // The root account reads every account: two copies of each cross-account event, one a account.
    const all = (await sessions(s.admin)).filter((r) => String(r.detail['sessionName']).startsWith('v5-'));
    assert.deepEqual(all.map((r) => `${String(r.detail['sessionName'])}@${r.account}`).sort(), [`v5-issued@${A}`, `v5-issued@${B}`, `v5-own@${A}`, `v5-refused@${A}`, `v5-refused@${B}`]);
  });
});
