/**
 * Found at stop 25 (review J noted it): a job's submitter may always read and stop it (src/app/jobs.ts
 * `isSubmitter`), but the authorize API did not know it: carol, who submitted a job and holds no training:GetJob,
 * reads it with `GET /v1/jobs/ID` while POST /v1/authorize about her training:GetJob on the job's ARN answered
 * ImplicitDeny. It now answers Allow, saying why; another user is still decided by the policies, and a user made again
 * under the submitter's name is not the submitter. Real server, the admin API as the gatehouse CLI calls it, SDK v3 IAM.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { call } from '../src/adapters/cli/client.ts';
import { connectionTo } from './support/processes.ts';
import { startTestServer, type Credentials, type TestServer } from './support/server.ts';

const ACCT = '000000000000';
let s: TestServer;
const keys: Record<string, Credentials> = {};

before(async () => {
  s = await startTestServer();
  const iam = s.iam();
  const submit = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['training:CreateJob', 'iam:PassRole'], Resource: '*' }] };
  for (const u of ['carol', 'bob']) {
    await iam.send(new I.CreateUserCommand({ UserName: u }));
    await iam.send(new I.PutUserPolicyCommand({ UserName: u, PolicyName: 'submit', PolicyDocument: JSON.stringify(submit) }));
    const k = (await iam.send(new I.CreateAccessKeyCommand({ UserName: u }))).AccessKey;
    keys[u] = { accessKeyId: k?.AccessKeyId ?? '', secretAccessKey: k?.SecretAccessKey ?? '' };
  }
  assert.ok((await call(connectionTo(s.url, s.admin), 'PUT', ['workspaces', 'w'], { body: { members: [{ user: 'carol' }, { user: 'bob' }] } })).ok);
});
after(() => s?.stop());

test("the authorize API knows a job's submitter may read and stop it", async () => {
  const submitted = await call<{ job: { id: string } }>(connectionTo(s.url, keys['carol'] as Credentials), 'POST', ['jobs'], { body: { workspace: 'w', role: 'default', imds: false } });
  assert.ok(submitted.ok, submitted.ok ? '' : submitted.message);
  const id = submitted.value.job.id;
  const job = `arn:aws:training::${ACCT}:job/${id}`;
  const ask = async (who: Credentials, body: Record<string, unknown>) => {
    const r = await call<{ decision: string; reasons: string[] }>(connectionTo(s.url, who), 'POST', ['authorize'], { body });
    assert.ok(r.ok, r.ok ? '' : r.message);
    return r.value;
  };
  // Enforcement: carol reads her job; bob does not.
  assert.ok((await call(connectionTo(s.url, keys['carol'] as Credentials), 'GET', ['jobs', id])).ok);
  const bobReads = await call(connectionTo(s.url, keys['bob'] as Credentials), 'GET', ['jobs', id]);
  assert.equal(bobReads.ok ? 'ok' : bobReads.code, 'AccessDenied');
  // The authorize API agrees: asked by the admin about each, and by carol about herself.
  for (const action of ['training:GetJob', 'training:StopJob']) {
    const carol = await ask(s.admin, { principal: `arn:aws:iam::${ACCT}:user/carol`, action, resource: job });
    assert.equal(carol.decision, 'Allow', JSON.stringify(carol));
    assert.match(carol.reasons.join('\n'), /submitted job/);
    assert.equal((await ask(s.admin, { principal: `arn:aws:iam::${ACCT}:user/bob`, action, resource: job })).decision, 'ImplicitDeny');
  }
  assert.equal((await ask(keys['carol'] as Credentials, { action: 'training:GetJob', resource: job })).decision, 'Allow');
  // A user made again under carol's name is another user: not the submitter.
  const iam = s.iam();
  await iam.send(new I.DeleteAccessKeyCommand({ UserName: 'carol', AccessKeyId: (keys['carol'] as Credentials).accessKeyId }));
  await iam.send(new I.DeleteUserPolicyCommand({ UserName: 'carol', PolicyName: 'submit' }));
  await iam.send(new I.DeleteUserCommand({ UserName: 'carol' }));
  await iam.send(new I.CreateUserCommand({ UserName: 'carol' }));
  assert.equal((await ask(s.admin, { principal: `arn:aws:iam::${ACCT}:user/carol`, action: 'training:GetJob', resource: job })).decision, 'ImplicitDeny');
});
