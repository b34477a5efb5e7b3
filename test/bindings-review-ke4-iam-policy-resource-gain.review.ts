/**
 * Review ke, 4 (left by review jb, 11): escalation-paths asked `gatehouse:SetIamPolicy` of the account, its workspaces,
 * its buckets and the resources holding a resource policy, and of nothing else: a resource that carries only an IAM
 * policy of bindings (a model, a job, a cluster) was never asked about. A user allowed to set the IAM policy of the
 * account's models (`gatehouse:SetIamPolicy` on `…:model/*`) binds itself `roles/ml.admin` on a model that has one, and
 * may then update and delete it: the report said "no way to more rights". Every ARN the account holds an IAM policy on
 * is now asked too, each a `bindings` gain there; a user without the permission gets none.
 * Real server, admin API (SigV4), SDK v3 IAM client. Before the fix 1 of 2 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { call } from '../src/adapters/cli/client.ts';
import { connectionTo } from './support/processes.ts';
import { iamUserWith, startTestServer, type Credentials, type TestServer } from './support/server.ts';
import { escalationGains, type Gain } from './support/escalation.ts';

const A = '000000000000';
const user = (n: string) => `arn:aws:iam::${A}:user/${n}`;
const MODEL = `arn:aws:training::${A}:model/m1`;

describe('review ke4: the IAM policy of a resource that holds only bindings', () => {
  let s: TestServer;
  const keys: Record<string, Credentials> = {};
  before(async () => {
    s = await startTestServer();
    const iam = s.iam();
    const users: Record<string, object[]> = {
      modeler: [{ Effect: 'Allow', Action: 'gatehouse:SetIamPolicy', Resource: `arn:aws:training::${A}:model/*` }],
      reader: [{ Effect: 'Allow', Action: 'gatehouse:GetIamPolicy', Resource: '*' }],
    };
    for (const [name, Statement] of Object.entries(users)) keys[name] = await iamUserWith(iam, name, { Version: '2012-10-17', Statement });
    const bound = await call(connectionTo(s.url, s.admin), 'PUT', ['iam-policies'], { body: { resource: MODEL, bindings: [{ role: 'roles/ml.viewer', members: ['user:reader'] }] } });
    assert.ok(bound.ok, bound.ok ? '' : bound.message);
  });
  after(() => s?.stop());

  const gainsOf = (name: string): Promise<Gain[]> => escalationGains(s, user(name));

  it('setting the IAM policy of a model that holds one is a gain there; reading it is not', async () => {
    assert.deepEqual((await gainsOf('modeler')).map((g) => [g.by, g.principal, g.action, g.resource, g.gives]), [[user('modeler'), user('modeler'), 'gatehouse:SetIamPolicy', MODEL, 'bindings']]);
    assert.deepEqual(await gainsOf('reader'), []);
  });

  it('the gain is real: modeler binds roles/ml.admin to itself and may then delete the model', async () => {
    const as = connectionTo(s.url, keys['modeler'] as Credentials);
    const ask = async () => {
      const r = await call<{ decision: string }>(as, 'POST', ['authorize'], { body: { action: 'training:DeleteModel', resource: MODEL } });
      assert.ok(r.ok, r.ok ? '' : r.message);
      return r.value.decision;
    };
    assert.equal(await ask(), 'ImplicitDeny');
    const bound = await call(as, 'PUT', ['iam-policies'], { body: { resource: MODEL, bindings: [{ role: 'roles/ml.viewer', members: ['user:reader'] }, { role: 'roles/ml.admin', members: ['user:modeler'] }] } });
    assert.ok(bound.ok, bound.ok ? '' : bound.message);
    assert.equal(await ask(), 'Allow');
  });
});
