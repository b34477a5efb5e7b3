/**
 * Review ax, finding 2: a resource policy naming a role session in the other dialect's spelling did not name it. Users
 * and roles are matched by account and name whichever form the policy writes (`arn:aws:iam::A:role/R` and
 * `acs:ram::A:role/R` are one role), but a session ARN was compared as text: `arn:aws:sts::A:assumed-role/R/S` never
 * matched the session `acs:ram::A:role/R/S` that an `acs` account's STS issues, nor the reverse. An `aws` bucket policy
 * can only write the `arn:aws:sts::` form (its `AWS` principals refuse `acs:` ARNs), so its Deny of one session of an
 * `acs` account's role silently did nothing: authorize answered Allow for the very session the owner denied (and a
 * RAM policy's Deny of an `aws` account's session likewise). Now a session ARN is keyed by account, role and session
 * in either dialect (src/core/iam/compile.ts `sessionKey`), as roles are.
 * Real server (SQLite): an `acs` account made through /v1/apply, SigV4-signed /v1/ requests.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CreateRoleCommand, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, type Credentials, type TestServer } from './support/server.ts';

const ROOT = '000000000000';
const A = '111122223333';
let s: TestServer;
let acsAdmin: Credentials;

before(async () => {
  s = await startTestServer();
  const account = await gatehouseJson(s.url, s.admin, 'POST', '/v1/apply', { documents: [{ apiVersion: 'gatehouse.dev/v1', kind: 'Account', metadata: { name: A }, spec: { partition: 'acs' } }] });
  assert.equal(account.status, 200, JSON.stringify(account.json));
  const c = (account.json['credentials'] as { AccessKeyId: string; SecretAccessKey: string }[])[0];
  acsAdmin = { accessKeyId: c?.AccessKeyId ?? '', secretAccessKey: c?.SecretAccessKey ?? '' };
  const role = await gatehouseJson(s.url, acsAdmin, 'POST', '/v1/apply', {
    documents: [{
      apiVersion: 'gatehouse.dev/v1',
      kind: 'Role',
      metadata: { name: 'ops' },
      spec: {
        trustPolicy: { Version: '1', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { RAM: [`acs:ram::${A}:root`] } }] },
        inlinePolicies: { reads: { Version: '1', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }] } },
      },
    }],
  });
  assert.equal(role.status, 200, JSON.stringify(role.json));
  const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ROOT}:root` }, Action: 'sts:AssumeRole' }] };
  await s.iam().send(new CreateRoleCommand({ RoleName: 'reader', AssumeRolePolicyDocument: JSON.stringify(trust) }));
  await s.iam().send(new PutRolePolicyCommand({ RoleName: 'reader', PolicyName: 'reads', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'oss:GetObject', Resource: '*' }] }) }));
});
after(() => s?.stop());

const ask = async (principal: string, action: string, resource: string): Promise<Record<string, unknown>> => {
  const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/authorize', { principal, action, resource });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return r.json;
};

describe('a resource policy names a role session in either dialect (review ax, 2)', () => {
  it('an aws bucket policy denying arn:aws:sts::A:assumed-role/ops/s-1 denies the acs session acs:ram::A:role/ops/s-1', async () => {
    const put = await gatehouseJson(s.url, s.admin, 'PUT', `/v1/resource-policies/${encodeURIComponent('arn:aws:s3:::shared')}`, {
      document: {
        Version: '2012-10-17',
        Statement: [
          { Sid: 'Account', Effect: 'Allow', Principal: { AWS: A }, Action: 's3:GetObject', Resource: 'arn:aws:s3:::shared/*' },
          { Sid: 'NotThisSession', Effect: 'Deny', Principal: { AWS: `arn:aws:sts::${A}:assumed-role/ops/s-1` }, Action: 's3:*', Resource: 'arn:aws:s3:::shared/*' },
        ],
      },
    });
    assert.equal(put.status, 200, JSON.stringify(put.json));
    const denied = await ask(`acs:ram::${A}:role/ops/s-1`, 's3:GetObject', 'arn:aws:s3:::shared/k');
    assert.equal(denied['decision'], 'ExplicitDeny', JSON.stringify(denied));
    const other = await ask(`acs:ram::${A}:role/ops/s-2`, 's3:GetObject', 'arn:aws:s3:::shared/k');
    assert.equal(other['decision'], 'Allow', JSON.stringify(other));
  });

  it('a RAM bucket policy denying acs:ram::<root>:role/reader/s-1 denies the aws session arn:aws:sts::<root>:assumed-role/reader/s-1', async () => {
    const put = await gatehouseJson(s.url, acsAdmin, 'PUT', `/v1/resource-policies/${encodeURIComponent('acs:oss:*:*:acs-shared')}`, {
      document: {
        Version: '1',
        Statement: [
          { Effect: 'Allow', Principal: { RAM: [ROOT] }, Action: 'oss:GetObject', Resource: 'acs:oss:*:*:acs-shared/*' },
          { Effect: 'Deny', Principal: { RAM: [`acs:ram::${ROOT}:role/reader/s-1`] }, Action: 'oss:*', Resource: 'acs:oss:*:*:acs-shared/*' },
        ],
      },
    });
    assert.equal(put.status, 200, JSON.stringify(put.json));
    const denied = await ask(`arn:aws:sts::${ROOT}:assumed-role/reader/s-1`, 'oss:GetObject', 'acs:oss:*:*:acs-shared/k');
    assert.equal(denied['decision'], 'ExplicitDeny', JSON.stringify(denied));
    const other = await ask(`arn:aws:sts::${ROOT}:assumed-role/reader/s-2`, 'oss:GetObject', 'acs:oss:*:*:acs-shared/k');
    assert.equal(other['decision'], 'Allow', JSON.stringify(other));
  });
});
