/**
 * Review ry, 1. A RAM guardrail on the training service written in Alibaba PAI's action names (`Deny pai:CreateJob`,
 * `Deny pai:*`) did not stop a job. Gatehouse decides a submission (and every training call) as `training:<X>` in either
 * partition, while its own bindings read `pai:CreateJob`, `pai:GetJob`, `pai:ListJobs` and `pai:StopJob` as PAI's names of
 * the same permissions (src/core/bindings/actions.ts), and the authorize API answers a question in them. So in an `acs`
 * account (seed 000: jobs of Alibaba's PAI) a user allowed `training:*` with `Deny pai:CreateJob` submitted jobs while
 * the authorize API, asked `pai:CreateJob` on the workspace for that user, answered ExplicitDeny; and a resource server
 * asking in PAI's name was not refused by a Deny of `training:CreateJob`. Contract: DESIGN.md ("both dialects are
 * accepted everywhere"; seed 000), and the rule docs/semantics.md keeps for IAM/RAM (review is, 5: a Deny spelling an
 * action in the other dialect refuses, an Allow grants nothing); policy-semantics.md §A.2 (deny wins over allow).
 *
 * Now a training action is decided as asked, and a Deny statement naming its other spelling (`pai:<X>` for
 * `training:<X>`, and the other way) on its resource in either dialect refuses it too: in jobs, the authorize API and the
 * simulators (`adminDenyOnly`, src/app/principals.ts). An Allow in the other spelling still grants nothing.
 *
 * Before the fix 4 of 4 tests failed. Real server (SQLite), an `acs` account, SigV4-signed /v1/apply, /v1/jobs and
 * /v1/authorize.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { gatehouseJson } from './support/resource-server.ts';
import { accountAdmin, REGION, startTestServer, userWithPolicy, type Credentials, type TestServer } from './support/server.ts';

const A = '707147604065';
const ROOT = '000000000000';
const doc = (kind: string, name: string, spec: object) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name }, spec });
const ram = (...Statement: object[]) => ({ inlinePolicies: { p: { Version: '1', Statement } } });

let s: TestServer;
let acs: Credentials;
const keys: Record<string, Credentials> = {};

const submit = async (who: Credentials, workspace: string) => gatehouseJson(s.url, who, 'POST', '/v1/jobs', { workspace, role: 'none', imds: false });
const decision = async (principal: string, action: string, resource: string): Promise<unknown> => {
  const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/authorize', { principal, action, resource });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return r.json['decision'];
};

before(async () => {
  s = await startTestServer();
  acs = await accountAdmin(s, A, 'acs');
  const users = {
    guarded: ram({ Effect: 'Allow', Action: 'training:*', Resource: '*' }, { Effect: 'Deny', Action: 'pai:CreateJob', Resource: `acs:pai::${A}:workspace/*` }),
    walled: ram({ Effect: 'Allow', Action: 'training:*', Resource: '*' }, { Effect: 'Deny', Action: 'pai:*', Resource: '*' }),
    plain: ram({ Effect: 'Allow', Action: 'training:*', Resource: '*' }),
    paionly: ram({ Effect: 'Allow', Action: 'pai:CreateJob', Resource: '*' }),
    trainingdenied: ram({ Effect: 'Allow', Action: 'pai:*', Resource: '*' }, { Effect: 'Deny', Action: 'training:CreateJob', Resource: '*' }),
  };
  const r = await gatehouseJson(s.url, acs, 'POST', '/v1/apply', {
    documents: [...Object.entries(users).map(([n, spec]) => doc('User', n, spec)), doc('Workspace', 'lab', { members: Object.keys(users).map((user) => ({ user })) })],
  });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  const iam = new I.IAMClient({ endpoint: s.url, region: REGION, credentials: acs });
  try {
    for (const n of Object.keys(users)) {
      const k = (await iam.send(new I.CreateAccessKeyCommand({ UserName: n }))).AccessKey;
      keys[n] = { accessKeyId: k?.AccessKeyId ?? '', secretAccessKey: k?.SecretAccessKey ?? '' };
    }
  } finally {
    iam.destroy();
  }
});
after(() => s?.stop());

describe('a Deny in PAI’s action names holds against the training service’s own (review ry, 1)', () => {
  it('acs account: Deny pai:CreateJob (or pai:*) refuses the submission, as the authorize API answers it', async () => {
    for (const n of ['guarded', 'walled']) {
      const r = await submit(keys[n] as Credentials, 'lab');
      assert.equal(r.status, 403, `${n}: ${JSON.stringify(r.json)}`);
      const message = String((r.json['error'] as { message?: string } | undefined)?.message);
      assert.match(message, /^check permission for sub user failed: /);
      assert.match(message, /training:CreateJob/);
      assert.equal(await decision(`acs:ram::${A}:user/${n}`, 'pai:CreateJob', `acs:pai::${A}:workspace/lab`), 'ExplicitDeny');
    }
    const plain = await submit(keys['plain'] as Credentials, 'lab');
    assert.equal(plain.status, 201, JSON.stringify(plain.json));
  });

  it('the authorize API: training:CreateJob is ExplicitDeny under Deny pai:CreateJob, on either spelling of the workspace', async () => {
    assert.equal(await decision(`acs:ram::${A}:user/guarded`, 'training:CreateJob', `acs:pai::${A}:workspace/lab`), 'ExplicitDeny');
    assert.equal(await decision(`acs:ram::${A}:user/guarded`, 'training:CreateJob', `arn:aws:training::${A}:workspace/lab`), 'ExplicitDeny');
    assert.equal(await decision(`acs:ram::${A}:user/plain`, 'training:CreateJob', `acs:pai::${A}:workspace/lab`), 'Allow');
  });

  it('the other way: a question in PAI’s name is refused by a Deny of training:CreateJob; an Allow of pai: alone still grants no job', async () => {
    assert.equal(await decision(`acs:ram::${A}:user/trainingdenied`, 'pai:CreateJob', `acs:pai::${A}:workspace/lab`), 'ExplicitDeny');
    const r = await submit(keys['paionly'] as Credentials, 'lab');
    assert.equal(r.status, 403, JSON.stringify(r.json));
  });

  it('aws account: a Deny of pai:CreateJob refuses a submission there too', async () => {
    const ann = await userWithPolicy(s, 'ry1-ann', JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'training:*', Resource: '*' }, { Effect: 'Deny', Action: 'pai:CreateJob', Resource: '*' }] }));
    const applied = await gatehouseJson(s.url, s.admin, 'POST', '/v1/apply', { documents: [doc('Workspace', 'ry1-vision', { members: [{ user: 'ry1-ann' }] })] });
    assert.equal(applied.status, 200, JSON.stringify(applied.json));
    const r = await submit(ann, 'ry1-vision');
    assert.equal(r.status, 403, JSON.stringify(r.json));
    assert.equal(await decision(`arn:aws:iam::${ROOT}:user/ry1-ann`, 'training:CreateJob', `arn:aws:training::${ROOT}:workspace/ry1-vision`), 'ExplicitDeny');
  });
});
