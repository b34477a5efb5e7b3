/**
 * Review ss, 1. The authorize API read resource policies for Alibaba PAI's names of the training actions Gatehouse
 * enforces itself (`pai:CreateJob`, `pai:GetWorkspace`, …), which jobs decide without them: it took `pai:` for a resource
 * server's service, as it takes `training:InvokeModel`, while the same actions named `training:` are not (review I, I1).
 * So a resource policy attached to a workspace's ARN answered `pai:CreateJob` Allow for a member no identity policy lets
 * submit (jobs refuse it, and `training:CreateJob` was ImplicitDeny), and `pai:GetWorkspace` ExplicitDeny for a member
 * jobs let read it; and the checks that refuse a question on a regional or miscased workspace ARN (reviews mf, 1 and 4),
 * skipped for actions that read resource policies, let `pai:CreateJob` on `acs:pai:cn-hangzhou:A:workspace/lab` be
 * answered Allow for the account's admin, who is no member, where `training:CreateJob` is refused 400.
 * Contract: DESIGN.md (the authorize API decides every request the way enforcement does; both dialects are accepted
 * everywhere); docs/decisions.md (review I, I1: resource policies take no part in what Gatehouse enforces itself; review
 * ry, 2: `pai:<X>` of a job action is the question `training:<X>` is); policy-semantics.md §A.2 (PAI's ARNs and actions).
 *
 * Now `pai:<X>` of an action Gatehouse enforces is that action wherever the authorize API asks whether it is one.
 *
 * Before the fix 3 of 3 tests failed. Real server (SQLite), an `acs` account, SigV4-signed /v1/apply,
 * /v1/resource-policies, /v1/jobs, /v1/workspaces and /v1/authorize.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { gatehouseJson } from './support/resource-server.ts';
import { accountAdmin, REGION, startTestServer, type Credentials, type TestServer } from './support/server.ts';

const A = '707147604069';
const WS = `acs:pai::${A}:workspace/lab`;
const READER = `acs:ram::${A}:user/reader`;
const doc = (kind: string, name: string, spec: object) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name }, spec });

let s: TestServer;
let reader: Credentials;

const asked = async (principal: string, action: string, resource: string): Promise<{ status: number; decision: unknown }> => {
  const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/authorize', { principal, action, resource });
  return { status: r.status, decision: r.json['decision'] };
};

before(async () => {
  s = await startTestServer();
  const acs = await accountAdmin(s, A, 'acs');
  const r = await gatehouseJson(s.url, acs, 'POST', '/v1/apply', { documents: [doc('User', 'reader', {}), doc('Workspace', 'lab', { members: [{ user: 'reader' }] })] });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  const iam = new I.IAMClient({ endpoint: s.url, region: REGION, credentials: acs });
  try {
    const k = (await iam.send(new I.CreateAccessKeyCommand({ UserName: 'reader' }))).AccessKey;
    reader = { accessKeyId: k?.AccessKeyId ?? '', secretAccessKey: k?.SecretAccessKey ?? '' };
  } finally {
    iam.destroy();
  }
  // A resource policy on the workspace's ARN naming the member, in both names of each action.
  const p = await gatehouseJson(s.url, acs, 'PUT', `/v1/resource-policies/${encodeURIComponent(WS)}`, {
    document: {
      Version: '1',
      Statement: [
        { Effect: 'Allow', Principal: { RAM: [READER] }, Action: ['pai:CreateJob', 'training:CreateJob'], Resource: WS },
        { Effect: 'Deny', Principal: { RAM: [READER] }, Action: ['pai:GetWorkspace', 'training:GetWorkspace'], Resource: WS },
      ],
    },
  });
  assert.equal(p.status, 200, JSON.stringify(p.json));
});
after(() => s?.stop());

describe('the authorize API reads no resource policy for PAI’s names of the actions jobs enforce (review ss, 1)', () => {
  it('pai:CreateJob: a resource policy allowing the member does not let it submit, as jobs and training:CreateJob say', async () => {
    const submitted = await gatehouseJson(s.url, reader, 'POST', '/v1/jobs', { workspace: 'lab', role: 'none', imds: false });
    assert.equal(submitted.status, 403, JSON.stringify(submitted.json));
    assert.equal((await asked(READER, 'training:CreateJob', WS)).decision, 'ImplicitDeny');
    assert.equal((await asked(READER, 'pai:CreateJob', WS)).decision, 'ImplicitDeny');
  });

  it('pai:GetWorkspace: a resource policy denying the member does not stop it reading, as jobs and training:GetWorkspace say', async () => {
    const read = await gatehouseJson(s.url, reader, 'GET', '/v1/workspaces/lab');
    assert.equal(read.status, 200, JSON.stringify(read.json));
    assert.equal((await asked(READER, 'training:GetWorkspace', WS)).decision, 'Allow');
    assert.equal((await asked(READER, 'pai:GetWorkspace', WS)).decision, 'Allow');
  });

  it('pai:CreateJob on a regional or miscased workspace ARN is refused as training:CreateJob is, not answered Allow for a non-member', async () => {
    const admin = `acs:ram::${A}:user/admin`;
    for (const resource of [`acs:pai:cn-hangzhou:${A}:workspace/lab`, `acs:pai::${A}:Workspace/lab`]) {
      assert.equal((await asked(admin, 'training:CreateJob', resource)).status, 400, resource);
      const pai = await asked(admin, 'pai:CreateJob', resource);
      assert.equal(pai.status, 400, `${resource}: ${String(pai.decision)}`);
    }
  });
});
