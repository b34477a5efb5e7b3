/**
 * Review gj, 4: in an `acs` account the training service answers to `pai.aliyuncs.com` and `training.gatehouse.dev`,
 * the compute service to `ecs.aliyuncs.com` and `compute.gatehouse.dev` (DESIGN.md "Service principals"). A job's (or a
 * node's) session was issued to the first name whose trust-policy decision was Allow, each name decided alone: a role
 * trusting both names whose trust policy denied the service by its other name (`Deny` `Principal: {Service:
 * "training.gatehouse.dev"}`: "no training job may use this role") still gave every job its credentials, as
 * `pai.aliyuncs.com`, through its credentials URI and container endpoint. Now an explicit deny of any name of the service
 * refuses the session, as a Deny of PassRole naming either name refuses the submission (review gb, 3); a role trusting
 * either name without such a Deny still gets its sessions (review gb, 4).
 *
 * Real server (SQLite), `gatehouse accounts create` through the CLI, IAM API through the AWS SDK v3, admin API (SigV4),
 * the job's container endpoint read with SDK v3 `fromHttp` and its credentials URI with `@alicloud/credentials`.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { fromHttp } from '@aws-sdk/credential-providers';
import Alibaba from '@alicloud/credentials';
import { acsAccount, ramUser, SUBMITTER, visionAndGpu } from './support/alibaba-world.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, type Credentials, type TestServer } from './support/server.ts';

const A = '210987654324';
const role = (n: string) => `acs:ram::${A}:role/${n}`;
const policy = (...Statement: object[]) => JSON.stringify({ Version: '1', Statement });
const trusts = (services: string[], denied?: string) =>
  policy({ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { Service: services } }, ...(denied !== undefined ? [{ Effect: 'Deny', Action: 'sts:AssumeRole', Principal: { Service: [denied] } }] : []));

describe('review gj4: a trust-policy Deny of the service by its other name refuses its jobs’ and nodes’ sessions', () => {
  let s: TestServer;
  let admin: Credentials;
  let carol: Credentials;
  before(async () => {
    s = await startTestServer();
    admin = await acsAccount(s, A);
    const iam = s.iam(admin);
    await iam.send(new I.CreateRoleCommand({ RoleName: 'trainer', AssumeRolePolicyDocument: trusts(['pai.aliyuncs.com', 'training.gatehouse.dev'], 'training.gatehouse.dev') }));
    await iam.send(new I.CreateRoleCommand({ RoleName: 'nodeadm', AssumeRolePolicyDocument: trusts(['ecs.aliyuncs.com', 'compute.gatehouse.dev'], 'compute.gatehouse.dev') }));
    await iam.send(new I.CreateRoleCommand({ RoleName: 'open', AssumeRolePolicyDocument: trusts(['pai.aliyuncs.com', 'training.gatehouse.dev']) }));
    await iam.send(new I.CreateRoleCommand({ RoleName: 'later', AssumeRolePolicyDocument: trusts(['pai.aliyuncs.com', 'training.gatehouse.dev']) }));
    carol = await ramUser(iam, 'carol', ...SUBMITTER);
    await visionAndGpu(s, admin, A, ['carol']);
  });
  after(() => s?.stop());

  /** What the job's container endpoint answers: its key id, or the error's name and message. */
  const containerCredentials = async (env: Record<string, string>): Promise<string> => {
    try {
      const c = await fromHttp({ awsContainerCredentialsFullUri: env['AWS_CONTAINER_CREDENTIALS_FULL_URI'] ?? '', awsContainerAuthorizationToken: env['AWS_CONTAINER_AUTHORIZATION_TOKEN'] ?? '', maxRetries: 0 })();
      return `issued ${c.accessKeyId}`;
    } catch (e) {
      return `refused: ${(e as Error).message}`;
    }
  };

  it('a job is refused a role whose trust policy denies training.gatehouse.dev, at submission', async () => {
    const r = await gatehouseJson(s.url, carol, 'POST', '/v1/jobs', { workspace: 'vision', role: role('trainer'), imds: false });
    assert.equal(r.status, 403, JSON.stringify(r.json));
    assert.match(JSON.stringify(r.json), /Failed to assume role for user/);
  });

  it('and a job submitted before the Deny was written gets no credentials, by either endpoint', async () => {
    const r = await gatehouseJson(s.url, carol, 'POST', '/v1/jobs', { workspace: 'vision', role: role('later'), imds: false });
    assert.equal(r.status, 201, JSON.stringify(r.json));
    await s.iam(admin).send(new I.UpdateAssumeRolePolicyCommand({ RoleName: 'later', PolicyDocument: trusts(['pai.aliyuncs.com', 'training.gatehouse.dev'], 'training.gatehouse.dev') }));
    const env = r.json['environment'] as Record<string, string>;
    assert.match(await containerCredentials(env), /^refused: /);
    const raw = await fetch(env['AWS_CONTAINER_CREDENTIALS_FULL_URI'] ?? '', { headers: { authorization: env['AWS_CONTAINER_AUTHORIZATION_TOKEN'] ?? '' } });
    assert.match(await raw.text(), /denies the service training\.gatehouse\.dev/);
    const cred = new Alibaba.default(new Alibaba.Config({ type: 'credentials_uri', credentialsURI: env['ALIBABA_CLOUD_CREDENTIALS_URI'] ?? '' }));
    await assert.rejects(cred.getCredential());
  });

  it('a node is refused a role whose trust policy denies compute.gatehouse.dev', async () => {
    const r = await gatehouseJson(s.url, carol, 'POST', '/v1/clusters/gpu/nodes', { imds: false });
    assert.equal(r.status, 403, JSON.stringify(r.json));
    assert.match(JSON.stringify(r.json), /Failed to assume role for user/);
  });

  it('a role trusting both names without a Deny still gives its job credentials', async () => {
    const r = await gatehouseJson(s.url, carol, 'POST', '/v1/jobs', { workspace: 'vision', role: role('open'), imds: false });
    assert.equal(r.status, 201, JSON.stringify(r.json));
    assert.match(await containerCredentials(r.json['environment'] as Record<string, string>), /^issued STS\./);
  });
});
