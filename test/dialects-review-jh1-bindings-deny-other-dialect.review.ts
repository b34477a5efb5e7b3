/**
 * Review jh, 1: the bindings API (`GET`/`PUT /v1/iam-policies`) decided `gatehouse:GetIamPolicy` and
 * `gatehouse:SetIamPolicy` on the target's ARN with the engine alone, comparing it literally, where reviews is, 5–7
 * made every other decision on a workspace's, cluster's or IAM entity's ARN also ask its other-dialect spelling. So
 * mallory, allowed `*` in the `aws` root account and denied `gatehouse:SetIamPolicy` on `acs:pai::A:workspace/vis`, on
 * `acs:pai::A:cluster/gpu` and on `acs:ram::A:root` (the account itself, `account/A`), set the bindings of all three
 * (200) and so granted herself or anyone any role there, while the authorize API answered ExplicitDeny on the
 * workspace. Denied `gatehouse:GetIamPolicy` on `acs:pai::A:workspace/vis`, she read its bindings. Now `mayManage`
 * decides as the IAM API does (`decideAdmin`): a Deny statement naming the action and the other spelling refuses, an
 * exemption by `NotResource` in the account's own spelling still exempts, an Allow in the other spelling grants
 * nothing. Real server, SigV4-signed `/v1/` requests, SDK v3 IAM client. Before the fix 2 of 5 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { startTestServer, type Credentials, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

const ROOT = '000000000000';
const doc = (kind: string, name: string, spec: Record<string, unknown>) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name }, spec });
const viewers = [{ role: 'roles/viewer', members: ['user:bob'] }];

describe('jh1: a Deny of the bindings API in the other dialect applies', () => {
  let s: TestServer;
  let mallory: Credentials;
  let pat: Credentials;
  let trudy: Credentials;
  const v1 = (method: string, path: string, body?: unknown, who?: Credentials) => gatehouseJson(s.url, who ?? s.admin, method, path, body);
  const keyOf = async (iam: I.IAMClient, user: string): Promise<Credentials> => {
    const k = (await iam.send(new I.CreateAccessKeyCommand({ UserName: user }))).AccessKey;
    return { accessKeyId: k?.AccessKeyId ?? '', secretAccessKey: k?.SecretAccessKey ?? '' };
  };
  const put = (resource: string, who: Credentials) => v1('PUT', '/v1/iam-policies', { resource, bindings: viewers }, who);

  before(async () => {
    s = await startTestServer();
    const iam = s.iam();
    for (const u of ['mallory', 'pat', 'trudy', 'bob']) await iam.send(new I.CreateUserCommand({ UserName: u }));
    const policy = (UserName: string, Statement: unknown[]) => iam.send(new I.PutUserPolicyCommand({ UserName, PolicyName: 'p', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement }) }));
    await policy('mallory', [
      { Effect: 'Allow', Action: '*', Resource: '*' },
      { Effect: 'Deny', Action: 'gatehouse:SetIamPolicy', Resource: [`acs:pai::${ROOT}:workspace/vis`, `acs:pai::${ROOT}:cluster/gpu`, `acs:ram::${ROOT}:root`] },
      { Effect: 'Deny', Action: 'gatehouse:GetIamPolicy', Resource: `acs:pai::${ROOT}:workspace/vis` },
    ]);
    // pat: every workspace's policy but other's denied, in the account's own spelling.
    await policy('pat', [
      { Effect: 'Allow', Action: '*', Resource: '*' },
      { Effect: 'Deny', Action: 'gatehouse:SetIamPolicy', NotResource: `arn:aws:training::${ROOT}:workspace/other` },
    ]);
    // trudy: allowed on the other dialect's spelling only.
    await policy('trudy', [{ Effect: 'Allow', Action: 'gatehouse:SetIamPolicy', Resource: `acs:pai::${ROOT}:workspace/*` }]);
    mallory = await keyOf(iam, 'mallory');
    pat = await keyOf(iam, 'pat');
    trudy = await keyOf(iam, 'trudy');
    const made = await v1('POST', '/v1/apply', { documents: [doc('Workspace', 'vis', { members: [] }), doc('Workspace', 'other', { members: [] }), doc('Cluster', 'gpu', {}), doc('Cluster', 'tpu', {})] });
    assert.equal(made.status, 200, JSON.stringify(made.json));
  });
  after(async () => {
    await s?.stop();
  });

  it('setting the bindings of vis, gpu and the account is refused with an explicit deny, and nothing is written', async () => {
    for (const resource of ['workspace/vis', `arn:aws:training::${ROOT}:cluster/gpu`, `account/${ROOT}`]) {
      const r = await put(resource, mallory);
      assert.equal(r.status, 403, `${resource}: ${JSON.stringify(r.json)}`);
      assert.match(JSON.stringify(r.json), /explicitly denied|explicit deny/, resource);
      const got = await v1('GET', `/v1/iam-policies?resource=${encodeURIComponent(resource)}`);
      assert.deepEqual(got.json['bindings'], [], resource);
    }
  });

  it('another workspace and cluster are set as before', async () => {
    for (const resource of ['workspace/other', `arn:aws:training::${ROOT}:cluster/tpu`]) {
      const r = await put(resource, mallory);
      assert.equal(r.status, 200, `${resource}: ${JSON.stringify(r.json)}`);
    }
  });

  it('reading the bindings of vis is refused', async () => {
    const r = await v1('GET', `/v1/iam-policies?resource=${encodeURIComponent('workspace/vis')}`, undefined, mallory);
    assert.equal(r.status, 403, JSON.stringify(r.json));
  });

  it('an exemption by NotResource in the account dialect still exempts', async () => {
    const r = await put('workspace/other', pat);
    assert.equal(r.status, 200, JSON.stringify(r.json));
    const vis = await put('workspace/vis', pat);
    assert.equal(vis.status, 403, JSON.stringify(vis.json));
  });

  it('an Allow on the other spelling alone still grants nothing', async () => {
    const r = await put('workspace/vis', trudy);
    assert.equal(r.status, 403, JSON.stringify(r.json));
  });
});
