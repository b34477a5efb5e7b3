/**
 * Policy review C1: a role trust policy open to everyone (`Principal: {"AWS": "*"}`) did not apply the caller's
 * session policy. A role session whose session policy allows only s3:GetObject assumed another role of its account,
 * through STS (AWS SDK v3) and as the authorize API answered. A resource policy open to everyone applied it; AWS limits
 * a session by its session policy unless the resource policy names the session's own ARN (reference §A.1.2 table).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AssumeRoleCommand, type AssumeRoleCommandOutput } from '@aws-sdk/client-sts';
import { CreateRoleCommand, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { authorizeDecision } from './support/authorize-api.ts';
import { errorName, startTestServer, type Credentials, type TestServer } from './support/server.ts';

const ROOT = '000000000000';
const V = '2012-10-17';
const doc = (...Statement: unknown[]): string => JSON.stringify({ Version: V, Statement });

describe('policy review C1: evaluation against AWS through the real server', () => {
  let s: TestServer;
  const ask = (body: Record<string, unknown>, as?: Credentials): Promise<string> => authorizeDecision(s, body, as);
  const creds = (r: AssumeRoleCommandOutput): Credentials => ({
    accessKeyId: r.Credentials?.AccessKeyId ?? '',
    secretAccessKey: r.Credentials?.SecretAccessKey ?? '',
    sessionToken: r.Credentials?.SessionToken ?? '',
  });

  before(async () => {
    s = await startTestServer();
    const iam = s.iam();
    const trustAccount = doc({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ROOT}:root` }, Action: 'sts:AssumeRole' });
    await iam.send(new CreateRoleCommand({ RoleName: 'worker', AssumeRolePolicyDocument: trustAccount }));
    await iam.send(new PutRolePolicyCommand({ RoleName: 'worker', PolicyName: 'p', PolicyDocument: doc({ Effect: 'Allow', Action: ['sts:AssumeRole', 's3:*'], Resource: '*' }) }));
    await iam.send(new CreateRoleCommand({ RoleName: 'open', AssumeRolePolicyDocument: doc({ Effect: 'Allow', Principal: { AWS: '*' }, Action: 'sts:AssumeRole' }) }));
  });
  after(async () => {
    await s.stop();
  });

  it('C1: a trust policy open to everyone still applies the caller’s session policy (STS and the authorize API)', async () => {
    const scoped = creds(await s.sts().send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ROOT}:role/worker`, RoleSessionName: 'scoped', Policy: doc({ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }) })));
    const full = creds(await s.sts().send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ROOT}:role/worker`, RoleSessionName: 'full' })));
    const open = `arn:aws:iam::${ROOT}:role/open`;
    // Without a session policy, the role's own policy allows sts:AssumeRole and the trust policy names everyone.
    await s.sts(full).send(new AssumeRoleCommand({ RoleArn: open, RoleSessionName: 'chained' }));
    assert.equal(await errorName(s.sts(scoped).send(new AssumeRoleCommand({ RoleArn: open, RoleSessionName: 'chained' }))), 'AccessDenied', 'the session policy allows only s3:GetObject');
    assert.equal(await ask({ action: 'sts:AssumeRole', resource: open }, scoped), 'ImplicitDeny');
    assert.equal(await ask({ action: 'sts:AssumeRole', resource: open }, full), 'Allow');
  });
});
