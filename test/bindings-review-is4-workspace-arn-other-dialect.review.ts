/**
 * Review is, 4: a workspace (and a training cluster) is decided on its ARN in its account's dialect: a job is submitted
 * on `arn:aws:training::A:workspace/W` in an `aws` account (`training:CreateJob`, src/app/jobs.ts), whichever spelling
 * anyone used (reviews ie, 3). An IAM policy (bindings) on the other dialect's spelling, `acs:pai::A:workspace/W`, was
 * taken (200, listed by GET), yet governed no job submission: alice, bound `roles/ml.developer` there, was refused
 * "check permission for sub user failed … training:CreateJob"; and the authorize API answered Allow when asked on that
 * spelling and ImplicitDeny on the workspace's own, two answers for one workspace. A role's, user's or group's ARN in
 * the wrong dialect was already refused (NoSuchEntity: "is not the ARN of role …, which is …"); now a workspace's and a
 * cluster's are too, naming the ARN to attach the policy to, and nothing is written, also when the same apply creates
 * the workspace. On the workspace's own ARN the same policy lets alice submit. Real server, SigV4-signed `/v1/` requests, AWS SDK v3 IAM client.
 * Before the fix 3 of 4 tests failed.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { startTestServer, type Credentials, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { acsAccount } from './support/alibaba-world.ts';

const ROOT = '000000000000';
const ACS = '350000000087';
const doc = (kind: string, name: string, spec: Record<string, unknown>, account = ROOT) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name, account }, spec });
const developers = [{ role: 'roles/ml.developer', members: ['user:alice'] }];

describe('is4: an IAM policy on a workspace or cluster ARN of the other dialect', () => {
  let server: TestServer;
  let alice: Credentials;
  let acsAdmin: Credentials;
  const v1 = (method: string, path: string, body?: unknown, who?: Credentials) => gatehouseJson(server.url, who ?? server.admin, method, path, body);
  const bindingsOf = async (resource: string): Promise<unknown> => {
    // No policy: a resource not there answers NoSuchEntity (404) since review jg, 2.
    const r = await v1('GET', `/v1/iam-policies?resource=${encodeURIComponent(resource)}`);
    return r.status === 404 ? [] : r.json['bindings'];
  };

  before(async () => {
    server = await startTestServer();
    const iam = server.iam();
    await iam.send(new I.CreateUserCommand({ UserName: 'alice' }));
    const key = (await iam.send(new I.CreateAccessKeyCommand({ UserName: 'alice' }))).AccessKey;
    alice = { accessKeyId: key?.AccessKeyId ?? '', secretAccessKey: key?.SecretAccessKey ?? '' };
    const made = await v1('POST', '/v1/apply', { documents: [doc('Workspace', 'vis', { members: [{ user: 'alice' }] }), doc('Cluster', 'gpu', {})] });
    assert.equal(made.status, 200, JSON.stringify(made.json));
    acsAdmin = await acsAccount(server, ACS);
    const acsMade = await v1('POST', '/v1/apply', { documents: [doc('Workspace', 'pai-ws', { members: [] }, ACS)] }, acsAdmin);
    assert.equal(acsMade.status, 200, JSON.stringify(acsMade.json));
  });
  after(() => server?.stop());

  test('in an aws account, a policy on acs:pai::…:workspace/vis is refused, naming the workspace ARN, and nothing is written', async () => {
    const other = `acs:pai::${ROOT}:workspace/vis`;
    const put = await v1('PUT', '/v1/iam-policies', { resource: other, bindings: developers });
    assert.equal(put.status, 404, JSON.stringify(put.json));
    const error = put.json['error'] as { code?: string; message?: string; details?: { path: string }[] };
    assert.equal(error.code, 'NoSuchEntity');
    assert.match(error.message ?? '', /is not the ARN of workspace `vis`, which is `arn:aws:training::000000000000:workspace\/vis`/);
    assert.equal(error.details?.[0]?.path, 'resource');
    assert.deepEqual(await bindingsOf(other), []);
    const asked = await v1('POST', '/v1/authorize', { principal: `arn:aws:iam::${ROOT}:user/alice`, action: 'training:CreateJob', resource: other });
    assert.equal(asked.json['decision'], 'ImplicitDeny', JSON.stringify(asked.json));

    const cluster = await v1('PUT', '/v1/iam-policies', { resource: `acs:pai::${ROOT}:cluster/gpu`, bindings: [{ role: 'roles/container.clusterViewer', members: ['user:alice'] }] });
    assert.equal(cluster.status, 404, JSON.stringify(cluster.json));
    assert.match((cluster.json['error'] as { message?: string }).message ?? '', /is not the ARN of cluster `gpu`, which is `arn:aws:training::000000000000:cluster\/gpu`/);
  });

  test('in an acs account, apply refuses an IamPolicy on arn:aws:training::…:workspace at spec.resource', async () => {
    const policy = doc('IamPolicy', 'pai-devs', { resource: `arn:aws:training::${ACS}:workspace/pai-ws`, bindings: [{ role: 'roles/ml.viewer', members: ['user:admin'] }] }, ACS);
    const r = await v1('POST', '/v1/apply', { documents: [policy] }, acsAdmin);
    assert.equal(r.status, 404, JSON.stringify(r.json));
    const details = (r.json['error'] as { details?: { path: string; message: string }[] } | undefined)?.details ?? [];
    assert.ok(details.some((d) => d.path === 'spec.resource' && /which is `acs:pai::350000000087:workspace\/pai-ws`/.test(d.message)), JSON.stringify(r.json));
  });

  test('an apply creating the workspace refuses a policy on its other-dialect ARN, and creates nothing', async () => {
    const policy = doc('IamPolicy', 'new-devs', { resource: `acs:pai::${ROOT}:workspace/fresh`, bindings: developers });
    const r = await v1('POST', '/v1/apply', { documents: [doc('Workspace', 'fresh', { members: [{ user: 'alice' }] }), policy] });
    assert.equal(r.status, 404, JSON.stringify(r.json));
    const details = (r.json['error'] as { details?: { path: string; message: string }[] } | undefined)?.details ?? [];
    assert.ok(details.some((d) => d.path === 'spec.resource' && /workspace `fresh` is named `arn:aws:training::000000000000:workspace\/fresh`/.test(d.message)), JSON.stringify(r.json));
    const ws = await v1('GET', '/v1/workspaces/fresh');
    assert.equal(ws.status, 404, JSON.stringify(ws.json));
    const both = await v1('POST', '/v1/apply', { documents: [doc('Workspace', 'fresh', { members: [{ user: 'alice' }] }), doc('IamPolicy', 'new-devs', { resource: `arn:aws:training::${ROOT}:workspace/fresh`, bindings: developers })] });
    assert.equal(both.status, 200, JSON.stringify(both.json));
  });

  test('on the workspace own ARN, the binding lets alice submit a job there', async () => {
    const refused = await v1('POST', '/v1/jobs', { workspace: 'vis', role: 'none', imds: false }, alice);
    assert.equal(refused.status, 403, JSON.stringify(refused.json));
    const own = `arn:aws:training::${ROOT}:workspace/vis`;
    const put = await v1('PUT', '/v1/iam-policies', { resource: own, bindings: developers });
    assert.equal(put.status, 200, JSON.stringify(put.json));
    const job = await v1('POST', '/v1/jobs', { workspace: 'vis', role: 'none', imds: false }, alice);
    assert.equal(job.status, 201, JSON.stringify(job.json));
  });
});
