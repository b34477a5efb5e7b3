/**
 * Review ag, finding 6: GET /v1/jobs/ID, GET /v1/jobs and POST /v1/jobs/ID/stop (`gatehouse jobs get|list|stop --json`)
 * answered the job's stored document: the hash its capability is looked up by, and, for a default-role job, its
 * session policy, which copies the submitter's own IAM statements about tables (src/app/jobs.ts
 * `ownerTableStatements`). So a teammate allowed training:GetJob on the workspace read the submitter's inline policy
 * statements, which iam:GetUserPolicy refuses it. The audit log already left both out. Now a reader is answered the job
 * without them; the submitter's own start answer is unchanged. Real server (SQLite), SDK v3 IAM, the admin API as the
 * CLI signs it.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, type Credentials, type TestServer } from './support/server.ts';

const A = '000000000000';
const WS = `arn:aws:training::${A}:workspace/vision`;
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const SECRET_PROJECT = 'projects/acquisition-target-7';

let server: TestServer;
let id = '';
const who: Record<string, Credentials> = {};

async function user(name: string, ...statements: object[]): Promise<void> {
  const iam = server.iam();
  await iam.send(new I.CreateUserCommand({ UserName: name }));
  await iam.send(new I.PutUserPolicyCommand({ UserName: name, PolicyName: 'p', PolicyDocument: doc(...statements) }));
  const k = (await iam.send(new I.CreateAccessKeyCommand({ UserName: name }))).AccessKey!;
  who[name] = { accessKeyId: k.AccessKeyId!, secretAccessKey: k.SecretAccessKey! };
}

before(async () => {
  server = await startTestServer();
  await user(
    'olga',
    { Effect: 'Allow', Action: 'training:CreateJob', Resource: WS },
    { Effect: 'Allow', Action: 'odps:Read', Resource: `acs:odps:*:*:${SECRET_PROJECT}/*` },
    { Effect: 'Deny', Action: 'odps:Drop*', Resource: '*' },
  );
  await user('mate', { Effect: 'Allow', Action: ['training:GetJob', 'training:ListJobs', 'iam:GetUser'], Resource: '*' });
  const ws = await gatehouseJson(server.url, server.admin, 'PUT', '/v1/workspaces/vision', { members: [{ user: 'olga' }], defaultBucket: 'arn:aws:s3:::vision-data' });
  assert.equal(ws.status, 200, JSON.stringify(ws.json));
  const submitted = await gatehouseJson(server.url, who['olga'] as Credentials, 'POST', '/v1/jobs', { workspace: 'vision', role: 'default', imds: false });
  assert.equal(submitted.status, 201, JSON.stringify(submitted.json));
  id = String((submitted.json['job'] as { id: string }).id);
});
after(async () => {
  await server?.stop();
});

describe("review ag6: a job's readers are not answered its session policy nor its capability's hash", () => {
  test('the teammate may not read the submitter\'s policy through IAM', async () => {
    await assert.rejects(server.iam(who['mate']).send(new I.GetUserPolicyCommand({ UserName: 'olga', PolicyName: 'p' })), /not authorized|AccessDenied/);
  });

  test('jobs get and jobs list, by a teammate allowed to read jobs', async () => {
    const [got, listed] = await Promise.all([
      gatehouseJson(server.url, who['mate'] as Credentials, 'GET', `/v1/jobs/${id}`),
      gatehouseJson(server.url, who['mate'] as Credentials, 'GET', '/v1/jobs'),
    ]);
    assert.equal(got.status, 200, JSON.stringify(got.json));
    assert.equal(got.json['id'], id);
    assert.equal((got.json['role'] as { mode: string }).mode, 'default');
    assert.deepEqual((listed.json['jobs'] as { id: string }[]).map((j) => j.id), [id]);
    for (const answer of [got.json, listed.json]) {
      const text = JSON.stringify(answer);
      // Before the fix: the session policy, with olga's odps statements in it, and the capability's hash.
      assert.doesNotMatch(text, /acquisition-target|odps:Drop|sessionPolicy|capabilityHash/);
    }
  });

  test('jobs stop answers the same view', async () => {
    const stopped = await gatehouseJson(server.url, server.admin, 'POST', `/v1/jobs/${id}/stop`, {});
    assert.equal(stopped.status, 200, JSON.stringify(stopped.json));
    assert.equal(stopped.json['state'], 'Stopped');
    assert.doesNotMatch(JSON.stringify(stopped.json), /acquisition-target|sessionPolicy|capabilityHash/);
  });
});
