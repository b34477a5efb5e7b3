/**
 * Review jh, 4: the IAM simulator decides a job action (`training:GetJob`, `StopJob`) on a job's ARN and on its
 * workspace's, as jobs do (review J, j2), but asked both with the engine alone: review is, 6 made jobs, the authorize
 * API and the simulator's other questions also read a Deny on the other-dialect ARN, and missed this branch. So for
 * mallory, allowed `*` in the `aws` root account and denied `training:GetJob` on `acs:pai::A:workspace/vis` and
 * `training:StopJob` on `acs:pai::A:job/*`, SimulatePrincipalPolicy answered `allowed` for both on bob's job in vis,
 * while `GET /v1/jobs/{id}` refused her (403) and the authorize API answered ExplicitDeny. The simulator's job branch
 * now decides both ARNs as the rest of it does (`adminDecision`). Real server, SDK v3 IAM client, SigV4-signed `/v1/`.
 * Before the fix 1 of 2 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { startTestServer, type Credentials, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

const ROOT = '000000000000';
const doc = (kind: string, name: string, spec: Record<string, unknown>) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name }, spec });

describe('jh4: the IAM simulator reads a Deny of a job or its workspace in the other dialect', () => {
  let s: TestServer;
  let mallory: Credentials;
  let job = '';
  const v1 = (method: string, path: string, body?: unknown, who?: Credentials) => gatehouseJson(s.url, who ?? s.admin, method, path, body);
  const keyOf = async (iam: I.IAMClient, user: string): Promise<Credentials> => {
    const k = (await iam.send(new I.CreateAccessKeyCommand({ UserName: user }))).AccessKey;
    return { accessKeyId: k?.AccessKeyId ?? '', secretAccessKey: k?.SecretAccessKey ?? '' };
  };

  before(async () => {
    s = await startTestServer();
    const iam = s.iam();
    for (const u of ['mallory', 'bob']) await iam.send(new I.CreateUserCommand({ UserName: u }));
    const policy = (UserName: string, Statement: unknown[]) => iam.send(new I.PutUserPolicyCommand({ UserName, PolicyName: 'p', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement }) }));
    await policy('mallory', [
      { Effect: 'Allow', Action: '*', Resource: '*' },
      { Effect: 'Deny', Action: 'training:GetJob', Resource: `acs:pai::${ROOT}:workspace/vis` },
      { Effect: 'Deny', Action: 'training:StopJob', Resource: `acs:pai::${ROOT}:job/*` },
    ]);
    await policy('bob', [{ Effect: 'Allow', Action: '*', Resource: '*' }]);
    mallory = await keyOf(iam, 'mallory');
    const bob = await keyOf(iam, 'bob');
    const made = await v1('POST', '/v1/apply', { documents: [doc('Workspace', 'vis', { members: [{ user: 'bob' }, { user: 'mallory' }] })] });
    assert.equal(made.status, 200, JSON.stringify(made.json));
    const submitted = await v1('POST', '/v1/jobs', { workspace: 'vis', role: 'none', imds: false }, bob);
    assert.equal(submitted.status, 201, JSON.stringify(submitted.json));
    job = String(submitted.json['id'] ?? (submitted.json['job'] as { id?: string } | undefined)?.id);
  });
  after(async () => {
    await s?.stop();
  });

  it('jobs and the authorize API refuse mallory', async () => {
    const r = await v1('GET', `/v1/jobs/${job}`, undefined, mallory);
    assert.equal(r.status, 403, JSON.stringify(r.json));
    for (const action of ['training:GetJob', 'training:StopJob']) {
      const a = await v1('POST', '/v1/authorize', { principal: `arn:aws:iam::${ROOT}:user/mallory`, action, resource: `arn:aws:training::${ROOT}:job/${job}` });
      assert.equal(a.json['decision'], 'ExplicitDeny', `${action}: ${JSON.stringify(a.json)}`);
    }
  });

  it('SimulatePrincipalPolicy answers explicitDeny for GetJob and StopJob on the job', async () => {
    const sim = await s.iam().send(new I.SimulatePrincipalPolicyCommand({ PolicySourceArn: `arn:aws:iam::${ROOT}:user/mallory`, ActionNames: ['training:GetJob', 'training:StopJob'], ResourceArns: [`arn:aws:training::${ROOT}:job/${job}`] }));
    assert.deepEqual(sim.EvaluationResults?.map((r) => [r.EvalActionName, r.EvalDecision]), [['training:GetJob', 'explicitDeny'], ['training:StopJob', 'explicitDeny']]);
  });
});
