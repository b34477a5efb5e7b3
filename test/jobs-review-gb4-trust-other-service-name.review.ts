/**
 * Review gb, 4: in an `acs` account a role may trust the training service by either of its names, `pai.aliyuncs.com` or
 * `training.gatehouse.dev` (DESIGN.md "Service principals": jobs need `training.gatehouse.dev`, `pai.aliyuncs.com` is
 * also accepted there), and the compute service by `ecs.aliyuncs.com` or `compute.gatehouse.dev`. Submission found such
 * a role trusted (it tries every name), but each session was then asked for as the first name only: a job whose role
 * trusts `training.gatehouse.dev` was accepted and every credential fetch of its processes refused ("does not allow
 * the service pai.aliyuncs.com"), and so was a node's. Now a job's (and a node's) sessions are issued to the name of the
 * service that the role trusts, as submission decides it.
 *
 * Real server (SQLite), `gatehouse accounts create` through the CLI, IAM API through the AWS SDK v3, admin API (SigV4),
 * the job's credentials URI read with @alicloud/credentials and its container endpoint with SDK v3 `fromHttp`.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { fromHttp } from '@aws-sdk/credential-providers';
import Alibaba from '@alicloud/credentials';
import { acsAccount, ramUser, SUBMITTER, visionAndGpu } from './support/alibaba-world.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, type Credentials, type TestServer } from './support/server.ts';

const A = '210987654322';
const role = (n: string) => `acs:ram::${A}:role/${n}`;
const policy = (...Statement: object[]) => JSON.stringify({ Version: '1', Statement });

describe('review gb4: a role trusting the service by its other name gets its job’s sessions', () => {
  let s: TestServer;
  let carol: Credentials;
  before(async () => {
    s = await startTestServer();
    const admin = await acsAccount(s, A);
    const iam = s.iam(admin);
    await iam.send(new I.CreateRoleCommand({ RoleName: 'trainer', AssumeRolePolicyDocument: policy({ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { Service: ['training.gatehouse.dev'] } }) }));
    await iam.send(new I.CreateRoleCommand({ RoleName: 'nodeadm', AssumeRolePolicyDocument: policy({ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { Service: ['compute.gatehouse.dev'] } }) }));
    carol = await ramUser(iam, 'carol', ...SUBMITTER);
    await visionAndGpu(s, admin, A, ['carol']);
  });
  after(() => s?.stop());

  it('a job whose role trusts training.gatehouse.dev gets the role’s credentials from its credentials URI', async () => {
    const r = await gatehouseJson(s.url, carol, 'POST', '/v1/jobs', { workspace: 'vision', role: role('trainer'), imds: false });
    assert.equal(r.status, 201, JSON.stringify(r.json));
    const env = r.json['environment'] as Record<string, string>;
    const cred = new Alibaba.default(new Alibaba.Config({ type: 'credentials_uri', credentialsURI: env['ALIBABA_CLOUD_CREDENTIALS_URI'] ?? '' }));
    const got = await cred.getCredential();
    assert.match(got.accessKeyId ?? '', /^STS\./);
    assert.ok(got.securityToken);
  });

  it('a node whose role trusts compute.gatehouse.dev gets the role’s credentials from its container endpoint', async () => {
    const r = await gatehouseJson(s.url, carol, 'POST', '/v1/clusters/gpu/nodes', { imds: false });
    assert.equal(r.status, 201, JSON.stringify(r.json));
    const env = r.json['environment'] as Record<string, string>;
    const creds = await fromHttp({ awsContainerCredentialsFullUri: env['AWS_CONTAINER_CREDENTIALS_FULL_URI'] ?? '', awsContainerAuthorizationToken: env['AWS_CONTAINER_AUTHORIZATION_TOKEN'] ?? '', maxRetries: 0 })();
    assert.ok(creds.sessionToken);
  });
});
