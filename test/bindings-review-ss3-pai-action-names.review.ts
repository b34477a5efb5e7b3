/**
 * Review ss, 3. Bindings read Alibaba PAI's names of the training service's actions only for four job actions
 * (`pai:CreateJob`, `pai:GetJob`, `pai:ListJobs`, `pai:StopJob`): any other `pai:<X>` had no bindings permission, so no
 * binding granted it. In an `acs` account, a resource server asking the authorize API about a model in PAI's names, as
 * that dialect writes them (`pai:GetModel`, `pai:InvokeModel` on `acs:pai::A:model/m`), was answered ImplicitDeny for a
 * user bound `roles/ml.developer` on the model, while `training:GetModel` was Allow; and `pai:GetWorkspace`,
 * `pai:GetCluster`, `pai:ListClusters` were ImplicitDeny for a user bound `roles/viewer` on the account, whom the
 * workspaces and clusters APIs let read them (and `training:` names were Allow). Contract: docs/semantics.md ("The
 * training service's actions have Alibaba PAI's names too (`pai:CreateJob` ≡ `training:CreateJob`, as bindings read
 * them)"); DESIGN.md (one question, one answer, whichever dialect asks; the authorize API decides as enforcement does);
 * policy-semantics.md §A.2 (RAM actions are `<ram-code>:<ApiName>`); issue 8 (bindings in the authorize union).
 *
 * Now `pai:<X>` has the bindings permission of `training:<X>` (and is decided by IAM alone where that is).
 *
 * Before the fix 3 of 3 tests failed. Real server (SQLite), an `acs` account, SigV4-signed /v1/apply,
 * /v1/iam-policies, /v1/workspaces, /v1/clusters and /v1/authorize.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { gatehouseJson } from './support/resource-server.ts';
import { accountAdmin, REGION, startTestServer, type Credentials, type TestServer } from './support/server.ts';

const A = '707147604074';
const MODEL = `acs:pai::${A}:model/m`;
const WS = `acs:pai::${A}:workspace/lab`;
const CLUSTER = `acs:pai::${A}:cluster/gpu`;
const DEV = `acs:ram::${A}:user/dev`;
const CAROL = `acs:ram::${A}:user/carol`;
const doc = (kind: string, name: string, spec: object) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name }, spec });

let s: TestServer;
let carol: Credentials;

const decision = async (principal: string, action: string, resource: string): Promise<unknown> => {
  const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/authorize', { principal, action, resource });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return r.json['decision'];
};

before(async () => {
  s = await startTestServer();
  const acs = await accountAdmin(s, A, 'acs');
  const r = await gatehouseJson(s.url, acs, 'POST', '/v1/apply', {
    documents: [
      doc('User', 'dev', {}),
      doc('User', 'carol', {}),
      doc('Workspace', 'lab', { members: [] }),
      doc('Cluster', 'gpu', {}),
      doc('IamPolicy', 'model-m', { resource: MODEL, bindings: [{ role: 'roles/ml.developer', members: ['user:dev'] }] }),
      doc('IamPolicy', 'account', { resource: `account/${A}`, bindings: [{ role: 'roles/viewer', members: ['user:carol'] }] }),
    ],
  });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  const iam = new I.IAMClient({ endpoint: s.url, region: REGION, credentials: acs });
  try {
    const k = (await iam.send(new I.CreateAccessKeyCommand({ UserName: 'carol' }))).AccessKey;
    carol = { accessKeyId: k?.AccessKeyId ?? '', secretAccessKey: k?.SecretAccessKey ?? '' };
  } finally {
    iam.destroy();
  }
});
after(() => s?.stop());

describe('bindings grant PAI’s names of the training actions as their training: names (review ss, 3)', () => {
  it('a model bound roles/ml.developer: pai:GetModel and pai:InvokeModel are allowed as training:GetModel and training:InvokeModel are', async () => {
    for (const x of ['GetModel', 'InvokeModel']) {
      assert.equal(await decision(DEV, `training:${x}`, MODEL), 'Allow', `training:${x}`);
      assert.equal(await decision(DEV, `pai:${x}`, MODEL), 'Allow', `pai:${x}`);
    }
    assert.equal(await decision(DEV, 'pai:DeleteModel', MODEL), 'ImplicitDeny', 'roles/ml.developer holds no ml.models.delete');
  });

  it('roles/viewer on the account: pai:GetWorkspace, pai:GetCluster and the lists are allowed, as the workspaces and clusters APIs let carol read them', async () => {
    assert.equal((await gatehouseJson(s.url, carol, 'GET', '/v1/workspaces/lab')).status, 200);
    assert.equal((await gatehouseJson(s.url, carol, 'GET', '/v1/clusters/gpu')).status, 200);
    for (const [x, on] of [['GetWorkspace', WS], ['ListWorkspaces', WS], ['GetCluster', CLUSTER], ['ListClusters', CLUSTER]] as const) {
      assert.equal(await decision(CAROL, `training:${x}`, on), 'Allow', `training:${x}`);
      assert.equal(await decision(CAROL, `pai:${x}`, on), 'Allow', `pai:${x}`);
    }
  });

  it('what bindings never grant in the training: name they do not grant in PAI’s either (decided by IAM alone)', async () => {
    for (const action of ['training:DeleteCluster', 'pai:DeleteCluster']) {
      const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/authorize', { principal: CAROL, action, resource: CLUSTER });
      assert.equal(r.json['decision'], 'ImplicitDeny', action);
      assert.match(JSON.stringify(r.json['diagnostics']), /decides `(training|pai):DeleteCluster` by IAM policies alone/, action);
    }
  });
});
