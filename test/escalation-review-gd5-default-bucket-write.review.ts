/**
 * Review gd, 5. Every member's default-role job (`--role default`, which needs no PassRole) gets the service's every
 * action on its workspace's default bucket (`s3:*` on the bucket and its objects). Naming a default bucket asked only
 * that its writer could read it (review S, S1; X4): so a user allowed to read a bucket and to write a workspace named
 * the bucket, made itself a member, ran a default-role job, and through the job's session wrote, deleted and set the
 * policy of a bucket it could only read (the authorize API, which the S3 gateway asks, answered Allow for
 * `s3:PutObject`, `s3:DeleteObject` and `s3:PutBucketPolicy`).
 *
 * Now naming a default bucket also needs writing and deleting its objects, setting its policy and deleting it, decided
 * with its bucket policy, over `PUT /v1/workspaces/{name}` and `gatehouse apply` alike; a bucket the writer may do all
 * of that with is accepted as before. Real server on 127.0.0.1 (SQLite), the S3 gateway through the AWS SDK, `/v1` and
 * the gatehouse CLI.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { gatehouseJson } from './support/resource-server.ts';
import { cliAgainst, REGION, startTestServer, userWithKey, type Credentials, type TestServer } from './support/server.ts';

const SHARED = 'arn:aws:s3:::gd5-shared';
const OWN = 'arn:aws:s3:::gd5-own';
const doc = (...Statement: object[]): string => JSON.stringify({ Version: '2012-10-17', Statement });

describe('a workspace default bucket needs the rights its default-role jobs get there', () => {
  let s: TestServer;
  let dir: string;
  let reader: Credentials;

  before(async () => {
    s = await startTestServer();
    dir = await mkdtemp(join(tmpdir(), 'gd5-'));
    const admin = new S3Client({ endpoint: s.running.s3Url, region: REGION, credentials: s.admin, forcePathStyle: true, maxAttempts: 1 });
    try {
      for (const b of ['gd5-shared', 'gd5-own']) await admin.send(new CreateBucketCommand({ Bucket: b }));
    } finally {
      admin.destroy();
    }
    // reader may write workspaces, submit jobs, read gd5-shared, and do anything on gd5-own.
    reader = await userWithKey(s, 'reader');
    await s.iam().send(new PutUserPolicyCommand({
      UserName: 'reader',
      PolicyName: 'p',
      PolicyDocument: doc(
        { Effect: 'Allow', Action: 'training:*', Resource: '*' },
        { Effect: 'Allow', Action: ['s3:GetObject', 's3:ListBucket'], Resource: [SHARED, `${SHARED}/*`] },
        { Effect: 'Allow', Action: 's3:*', Resource: [OWN, `${OWN}/*`] },
      ),
    }));
  });
  after(async () => {
    await s?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('PUT /v1/workspaces refuses a bucket the writer may only read, naming the write it lacks, and writes nothing', async () => {
    const r = await gatehouseJson(s.url, reader, 'PUT', '/v1/workspaces/rw', { members: [{ user: 'reader' }], defaultBucket: SHARED });
    assert.equal(r.status, 403, JSON.stringify(r.json));
    assert.match(JSON.stringify(r.json), /you may only name a bucket you may write, delete and set the policy of.*s3:PutObject on resource: arn:aws:s3:::gd5-shared\/\*/);
    assert.equal((await gatehouseJson(s.url, s.admin, 'GET', '/v1/workspaces/rw')).status, 404);
  });

  it('gatehouse apply refuses it too', async () => {
    const file = join(dir, 'ws.yaml');
    await writeFile(file, ['apiVersion: gatehouse.dev/v1', 'kind: Workspace', 'metadata:', '  name: rw', 'spec:', '  members:', '  - user: reader', `  defaultBucket: ${SHARED}`, ''].join('\n'));
    const r = await cliAgainst(s, ['apply', '-f', file], reader);
    assert.notEqual(r.status, 0, r.out);
    assert.match(`${r.out}${r.err}`, /s3:PutObject/);
    assert.equal((await gatehouseJson(s.url, s.admin, 'GET', '/v1/workspaces/rw')).status, 404);
  });

  it('a bucket the writer may do all of that with is accepted, and its default-role job writes there alone', async () => {
    const r = await gatehouseJson(s.url, reader, 'PUT', '/v1/workspaces/own', { members: [{ user: 'reader' }], defaultBucket: OWN });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    const j = await gatehouseJson(s.url, reader, 'POST', '/v1/jobs', { workspace: 'own', role: 'default', imds: false });
    assert.equal(j.status, 201, JSON.stringify(j.json));
    const session = `arn:aws:sts::000000000000:assumed-role/GatehouseTrainingDefaultRole/job-${String((j.json['job'] as Record<string, unknown>)['id'])}`;
    const ask = async (action: string, resource: string) => (await gatehouseJson(s.url, s.admin, 'POST', '/v1/authorize', { principal: session, action, resource })).json['decision'];
    assert.equal(await ask('s3:PutObject', `${OWN}/x`), 'Allow');
    assert.equal(await ask('s3:PutObject', `${SHARED}/x`), 'ImplicitDeny');
  });
});
