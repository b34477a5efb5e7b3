/**
 * Review ry, 2. The authorize API answered a question in Alibaba PAI's names of the training service's job actions
 * (`pai:CreateJob`, `pai:GetWorkspace`, `pai:GetJob`, `pai:StopJob`: the names src/core/bindings/actions.ts reads as
 * `ml.jobs.create`, … and so as `training:CreateJob`, …) on the policies alone, not as jobs decide the request: asked
 * `pai:CreateJob` on a workspace, it said Allow for a principal that is no member of it (the account's admin), whose
 * submission jobs refuse; asked `pai:GetWorkspace`, it refused a member that jobs let read it; asked `pai:GetJob` on a
 * job's ARN, it refused the job's own submitter, whom jobs let read and stop its job. Review ej, 4 made the bindings'
 * spelling (`ml.jobs.create`) ask what jobs enforce; PAI's, the `acs` dialect's own (seed 000: PAI's jobs), was left out.
 * Contract: DESIGN.md (the authorize API decides every request the way enforcement does; both dialects are accepted
 * everywhere), docs/decisions.md (review I, M2; review ej, 4).
 *
 * Now `pai:<X>` of a job action is the question `training:<X>` is for the rules jobs add (members, a job's submitter),
 * its IAM side decided as asked (a Deny of either name refusing it: review ry, 1).
 *
 * Before the fix 3 of 3 tests failed. Real server (SQLite), an `acs` account, SigV4-signed /v1/apply, /v1/jobs and
 * /v1/authorize.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { gatehouseJson } from './support/resource-server.ts';
import { accountAdmin, REGION, startTestServer, type Credentials, type TestServer } from './support/server.ts';

const A = '707147604068';
const WS = `acs:pai::${A}:workspace/lab`;
const doc = (kind: string, name: string, spec: object) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name }, spec });

let s: TestServer;
let acs: Credentials;
let jobArn = '';

const decision = async (principal: string, action: string, resource: string): Promise<unknown> => {
  const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/authorize', { principal, action, resource });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return r.json['decision'];
};

before(async () => {
  s = await startTestServer();
  acs = await accountAdmin(s, A, 'acs');
  const r = await gatehouseJson(s.url, acs, 'POST', '/v1/apply', {
    documents: [
      doc('User', 'sub', { inlinePolicies: { p: { Version: '1', Statement: [{ Effect: 'Allow', Action: 'training:CreateJob', Resource: '*' }] } } }),
      doc('User', 'reader', {}),
      doc('Workspace', 'lab', { members: [{ user: 'sub' }, { user: 'reader' }] }),
    ],
  });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  const iam = new I.IAMClient({ endpoint: s.url, region: REGION, credentials: acs });
  let sub: Credentials;
  try {
    const k = (await iam.send(new I.CreateAccessKeyCommand({ UserName: 'sub' }))).AccessKey;
    sub = { accessKeyId: k?.AccessKeyId ?? '', secretAccessKey: k?.SecretAccessKey ?? '' };
  } finally {
    iam.destroy();
  }
  const j = await gatehouseJson(s.url, sub, 'POST', '/v1/jobs', { workspace: 'lab', role: 'none', imds: false });
  assert.equal(j.status, 201, JSON.stringify(j.json));
  jobArn = `acs:pai::${A}:job/${(j.json['job'] as { id: string }).id}`;
});
after(() => s?.stop());

describe('the authorize API asks PAI’s names of the job actions as jobs decide them (review ry, 2)', () => {
  it('pai:CreateJob on a workspace: a principal that is no member is refused, as training:CreateJob is and jobs do', async () => {
    const admin = `acs:ram::${A}:user/admin`;
    assert.equal(await decision(admin, 'training:CreateJob', WS), 'ImplicitDeny');
    assert.equal(await decision(admin, 'pai:CreateJob', WS), 'ImplicitDeny');
  });

  it('pai:GetWorkspace: a member with no policy may read the workspace, as jobs let it', async () => {
    assert.equal(await decision(`acs:ram::${A}:user/reader`, 'training:GetWorkspace', WS), 'Allow');
    assert.equal(await decision(`acs:ram::${A}:user/reader`, 'pai:GetWorkspace', WS), 'Allow');
  });

  it('pai:GetJob and pai:StopJob on a job’s ARN: its submitter may, as jobs let it', async () => {
    for (const action of ['GetJob', 'StopJob']) {
      assert.equal(await decision(`acs:ram::${A}:user/sub`, `training:${action}`, jobArn), 'Allow');
      assert.equal(await decision(`acs:ram::${A}:user/sub`, `pai:${action}`, jobArn), 'Allow');
    }
  });
});
