/**
 * Review jh, 6: who-can and escalation-paths ask the authorize engine, which since review is, 5 read a Deny in the other
 * dialect only for `iam:`/`ram:` actions and for workspace, job and cluster ARNs. `gatehouse:SetIamPolicy` on an IAM
 * entity or on the account (`account/A`, decided on `arn:aws:iam::A:root`) was compared literally, so for mallory,
 * allowed `gatehouse:SetIamPolicy` on `*` and denied it on `acs:ram::A:*` in the `aws` root account, who-can listed her
 * for `arn:aws:iam::A:root` and `arn:aws:iam::A:user/bob`, and escalation-paths reported she "may bind any role
 * (roles/owner…) to" herself on `account/A`, a gain the bindings API refuses her (review jh, 1). The fix is review
 * jh, 1's: `adminDenyOnly` maps an IAM entity's or account's ARN under another service's action, and the analyses
 * ask through it; this file guards what they answer. Real server, SigV4-signed `/v1/` requests, SDK v3 IAM client.
 * Before the fix (review jh, 1's commit) 2 of 2 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { startTestServer, type Credentials, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

const ROOT = '000000000000';

describe('jh6: who-can and escalation-paths read a Deny in the other dialect', () => {
  let s: TestServer;
  const v1 = (method: string, path: string, body?: unknown, who?: Credentials) => gatehouseJson(s.url, who ?? s.admin, method, path, body);

  before(async () => {
    s = await startTestServer();
    const iam = s.iam();
    for (const u of ['mallory', 'bob', 'pat']) await iam.send(new I.CreateUserCommand({ UserName: u }));
    const policy = (UserName: string, Statement: unknown[]) => iam.send(new I.PutUserPolicyCommand({ UserName, PolicyName: 'p', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement }) }));
    await policy('mallory', [
      { Effect: 'Allow', Action: ['gatehouse:SetIamPolicy', 'gatehouse:GetIamPolicy'], Resource: '*' },
      { Effect: 'Deny', Action: 'gatehouse:SetIamPolicy', Resource: `acs:ram::${ROOT}:*` },
    ]);
    // pat: denied on every IAM entity but bob, in the account's own spelling: still listed for bob.
    await policy('pat', [
      { Effect: 'Allow', Action: 'gatehouse:SetIamPolicy', Resource: '*' },
      { Effect: 'Deny', Action: 'gatehouse:SetIamPolicy', NotResource: `arn:aws:iam::${ROOT}:user/bob` },
    ]);
  });
  after(async () => {
    await s?.stop();
  });

  it('who-can does not list mallory for the account or bob; pat is listed for bob', async () => {
    for (const resource of [`arn:aws:iam::${ROOT}:root`, `arn:aws:iam::${ROOT}:user/bob`]) {
      const r = await v1('POST', '/v1/who-can', { action: 'gatehouse:SetIamPolicy', resource });
      assert.equal(r.status, 200, JSON.stringify(r.json));
      const names = (r.json['allowed'] as { name: string }[]).map((a) => a.name);
      assert.ok(!names.includes('mallory'), `${resource}: ${JSON.stringify(names)}`);
      if (resource.endsWith('user/bob')) assert.ok(names.includes('pat'), JSON.stringify(names));
    }
  });

  it('escalation-paths reports no binding gain for mallory', async () => {
    const e = await v1('POST', '/v1/escalation-paths', { principal: `arn:aws:iam::${ROOT}:user/mallory` });
    assert.equal(e.status, 200, JSON.stringify(e.json));
    const report = (e.json['reports'] as { canGain: unknown[]; canBecome: unknown[] }[])[0];
    assert.deepEqual(report?.canGain, [], JSON.stringify(report));
  });
});
