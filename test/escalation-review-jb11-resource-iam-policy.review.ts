/**
 * Review jb, 11: escalation-paths counted writing an IAM policy (GCP-style bindings) as a gain only on the account
 * (`account/<id>`) and its workspaces. A binding on one resource grants there as well: a user allowed
 * `gatehouse:SetIamPolicy` on bucket `data` binds itself `roles/storage.objectAdmin` on it and reads and writes every
 * object — a "bucket owner may manage its bucket's access" delegation — and was answered "no way to more rights
 * found". The account's resources whose policy it may write (its buckets, and the resources it holds a policy on) are
 * now asked too, and the gain names the resource (`gives: bindings`); not for a user without SetIamPolicy there. The
 * gain is taken for real: the binding written through the admin API, the object read allowed by the authorize API.
 * Before the fix 1 of 2 tests failed. Real server (SQLite), SDK v3 IAM, the admin and authorize APIs.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, userWithPolicy, type Credentials, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

const A = '000000000000';
const user = (n: string) => `arn:aws:iam::${A}:user/${n}`;
const BUCKET = 'arn:aws:s3:::jb11-data';
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });

describe('review jb11: an IAM policy the principal may write on one resource is a gain there', () => {
  let s: TestServer;
  const keys: Record<string, Credentials> = {};
  before(async () => {
    s = await startTestServer();
    // The account holds a policy on the bucket (a guard against its deletion), so the bucket is one of its resources.
    const rp = await gatehouseJson(s.url, s.admin, 'PUT', `/v1/resource-policies/${encodeURIComponent(BUCKET)}`, { document: { Version: '2012-10-17', Statement: [{ Effect: 'Deny', Principal: '*', Action: 's3:DeleteBucket', Resource: BUCKET }] } });
    assert.equal(rp.status, 200, JSON.stringify(rp.json));
    keys['bob'] = await userWithPolicy(s, 'bob', doc({ Effect: 'Allow', Action: ['gatehouse:GetIamPolicy', 'gatehouse:SetIamPolicy'], Resource: BUCKET }));
    keys['ann'] = await userWithPolicy(s, 'ann', doc({ Effect: 'Allow', Action: 'gatehouse:GetIamPolicy', Resource: BUCKET }));
  });
  after(() => s?.stop());

  const gains = async (name: string) => {
    const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/escalation-paths', { principal: user(name) });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    return ((r.json['reports'] as { canGain: { gain: { action: string; resource: string; gives: string } }[] }[])[0]?.canGain ?? []).map((g) => [g.gain.action, g.gain.resource, g.gain.gives]);
  };
  const reads = async (name: string): Promise<string> =>
    String((await gatehouseJson(s.url, keys[name] as Credentials, 'POST', '/v1/authorize', { action: 's3:GetObject', resource: `${BUCKET}/model.bin` })).json['decision']);

  it('SetIamPolicy on a bucket is a bindings gain there; the user binds itself and reads the object', async () => {
    assert.deepEqual(await gains('bob'), [['gatehouse:SetIamPolicy', BUCKET, 'bindings']]);
    assert.equal(await reads('bob'), 'ImplicitDeny');
    const put = await gatehouseJson(s.url, keys['bob'] as Credentials, 'PUT', '/v1/iam-policies', { resource: BUCKET, bindings: [{ role: 'roles/storage.objectAdmin', members: ['user:bob'] }] });
    assert.equal(put.status, 200, JSON.stringify(put.json));
    assert.equal(await reads('bob'), 'Allow');
  });

  it('no such gain without SetIamPolicy there; the write is refused', async () => {
    assert.deepEqual(await gains('ann'), []);
    const put = await gatehouseJson(s.url, keys['ann'] as Credentials, 'PUT', '/v1/iam-policies', { resource: BUCKET, bindings: [{ role: 'roles/storage.objectAdmin', members: ['user:ann'] }] });
    assert.equal(put.status, 403, JSON.stringify(put.json));
  });
});
