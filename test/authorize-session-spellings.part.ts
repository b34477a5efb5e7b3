/**
 * A role session asked about by ARN is decided with what it carries however its ARN is spelt (review K, K7 and K4):
 * - a scoped session (session policy) named in the other dialect's form — `acs:ram::A:role/R/S` for
 *   `arn:aws:sts::A:assumed-role/R/S` in an `aws` account, and the other way round in an `acs` account — is found in
 *   the registry of scoped sessions, which is keyed on account, role and session name, not on the ARN's partition;
 * - a job's session named with its role or session name in another case (`JOB-<id>`, `job-<ID>`, the role name
 *   lower-cased) is decided with its job's scope, as the registry matches names in any case, never with the role's
 *   whole rights.
 * Real server (SQLite), the real STS client for the sessions, `POST /v1/authorize` signed by SigV4.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as S3 from '@aws-sdk/client-s3';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, type Credentials, type TestServer } from './support/server.ts';

const ROOT = '000000000000';
const ACS = '111111111111';
const doc = (kind: string, name: string, spec: Record<string, unknown>) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name }, spec });
const inline = (...Statement: Record<string, unknown>[]) => ({ Version: '2012-10-17', Statement });

let server: TestServer;
let alice: Credentials;
let acsAdmin: Credentials;

async function decision(who: Credentials, body: Record<string, unknown>): Promise<string> {
  const r = await gatehouseJson(server.url, who, 'POST', '/v1/authorize', body);
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return String(r.json['decision']);
}

async function assume(who: Credentials, roleArn: string, name: string, policy: unknown): Promise<string> {
  const r = await server.sts(who).send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: name, Policy: JSON.stringify(policy) }));
  return String(r.AssumedRoleUser?.Arn);
}

before(async () => {
  server = await startTestServer();
  const applied = await gatehouseJson(server.url, server.admin, 'POST', '/v1/apply', {
    documents: [
      doc('User', 'alice', { inlinePolicies: { assume: inline({ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' }) } }),
      doc('Role', 'worker', {
        trustPolicy: inline({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ROOT}:root` }, Action: 'sts:AssumeRole' }),
        inlinePolicies: { all: inline({ Effect: 'Allow', Action: 's3:*', Resource: '*' }) },
      }),
    ],
  });
  assert.equal(applied.status, 200, JSON.stringify(applied.json));
  const k = await gatehouseJson(server.url, server.admin, 'POST', '/v1/access-keys', { userName: 'alice' });
  assert.equal(k.status, 201, JSON.stringify(k.json));
  alice = { accessKeyId: String(k.json['accessKeyId']), secretAccessKey: String(k.json['secretAccessKey']) };
  // An Alibaba-style account with a role RA allowed every OSS action, trusted by the account.
  const acct = await gatehouseJson(server.url, server.admin, 'POST', '/v1/accounts', { id: ACS, partition: 'acs' });
  assert.equal(acct.status, 201, JSON.stringify(acct.json));
  acsAdmin = { accessKeyId: String(acct.json['AccessKeyId']), secretAccessKey: String(acct.json['SecretAccessKey']) };
  const acsApplied = await gatehouseJson(server.url, acsAdmin, 'POST', '/v1/apply', {
    documents: [
      doc('Role', 'RA', {
        trustPolicy: { Version: '1', Statement: [{ Effect: 'Allow', Principal: { RAM: [`acs:ram::${ACS}:root`] }, Action: 'sts:AssumeRole' }] },
        inlinePolicies: { all: { Version: '1', Statement: [{ Effect: 'Allow', Action: 'oss:*', Resource: '*' }] } },
      }),
    ],
  });
  assert.equal(acsApplied.status, 200, JSON.stringify(acsApplied.json));
});

after(async () => {
  await server?.stop();
});

describe('K7: a scoped session named in the other dialect’s ARN form is decided with its scope', () => {
  test('aws account: a session of `worker` limited to GetObject on a/*, asked about as acs:ram::A:role/worker/S', async () => {
    const arn = await assume(alice, `arn:aws:iam::${ROOT}:role/worker`, 'Sy', inline({ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::a/*' }));
    assert.equal(arn, `arn:aws:sts::${ROOT}:assumed-role/worker/Sy`);
    const outside = { action: 's3:DeleteObject', resource: 'arn:aws:s3:::prod/k' };
    const inside = { action: 's3:GetObject', resource: 'arn:aws:s3:::a/k' };
    for (const spelling of [arn, `acs:ram::${ROOT}:role/worker/Sy`, `acs:ram::${ROOT}:role/WORKER/sy`, `arn:aws:sts::${ROOT}:assumed-role/Worker/SY`]) {
      assert.equal(await decision(server.admin, { principal: spelling, ...outside }), 'ImplicitDeny', spelling);
      assert.equal(await decision(server.admin, { principal: spelling, ...inside }), 'Allow', spelling);
    }
    // The role itself still has its whole rights.
    assert.equal(await decision(server.admin, { principal: `arn:aws:iam::${ROOT}:role/worker`, ...outside }), 'Allow');
  });

  test('acs account: a session of RA limited to oss:GetObject, asked about as arn:aws:sts::A:assumed-role/RA/S', async () => {
    const arn = await assume(acsAdmin, `acs:ram::${ACS}:role/RA`, 'Sz', { Version: '1', Statement: [{ Effect: 'Allow', Action: 'oss:GetObject', Resource: 'acs:oss:*:*:a/*' }] });
    assert.equal(arn, `acs:ram::${ACS}:role/RA/Sz`);
    const outside = { action: 'oss:DeleteObject', resource: `acs:oss:*:${ACS}:prod/k` };
    const inside = { action: 'oss:GetObject', resource: `acs:oss:*:${ACS}:a/k` };
    for (const spelling of [arn, `arn:aws:sts::${ACS}:assumed-role/RA/Sz`, `arn:aws:sts::${ACS}:assumed-role/ra/SZ`]) {
      assert.equal(await decision(acsAdmin, { principal: spelling, ...outside }), 'ImplicitDeny', spelling);
      assert.equal(await decision(acsAdmin, { principal: spelling, ...inside }), 'Allow', spelling);
    }
    assert.equal(await decision(acsAdmin, { principal: `acs:ram::${ACS}:role/RA`, ...outside }), 'Allow');
  });
});

describe('K4: a job’s session named with another case is decided with its job’s scope', () => {
  let jobId = '';
  const ROLE = 'GatehouseTrainingDefaultRole';
  const other = { action: 's3:GetObject', resource: 'arn:aws:s3:::elsewhere/k' };
  const own = { action: 's3:GetObject', resource: 'arn:aws:s3:::vision-data/k' };

  before(async () => {
    const client = new S3.S3Client({ endpoint: server.running.s3Url, region: 'us-east-1', forcePathStyle: true, credentials: server.admin, maxAttempts: 1 });
    await client.send(new S3.CreateBucketCommand({ Bucket: 'vision-data' }));
    client.destroy();
    const ws = await gatehouseJson(server.url, server.admin, 'PUT', '/v1/workspaces/vision', { members: [{ user: 'admin' }], defaultBucket: 'arn:aws:s3:::vision-data' });
    assert.ok(ws.status < 300, JSON.stringify(ws.json));
    const submitted = await gatehouseJson(server.url, server.admin, 'POST', '/v1/jobs', { workspace: 'vision', role: 'default' });
    assert.ok(submitted.status < 300, JSON.stringify(submitted.json));
    jobId = String((submitted.json['job'] as { id?: unknown } | undefined)?.id ?? submitted.json['id']);
    assert.match(jobId, /^[a-z0-9]+$/);
  });

  test('every case of the role and session names: ImplicitDeny outside the workspace bucket, Allow in it', async () => {
    const spellings = [
      `arn:aws:sts::${ROOT}:assumed-role/${ROLE}/job-${jobId}`,
      `arn:aws:sts::${ROOT}:assumed-role/${ROLE.toLowerCase()}/job-${jobId}`,
      `arn:aws:sts::${ROOT}:assumed-role/${ROLE}/JOB-${jobId}`,
      `arn:aws:sts::${ROOT}:assumed-role/${ROLE}/job-${jobId.toUpperCase()}`,
      `acs:ram::${ROOT}:role/${ROLE.toUpperCase()}/Job-${jobId}`,
    ];
    for (const principal of spellings) {
      assert.equal(await decision(server.admin, { principal, ...other }), 'ImplicitDeny', principal);
      assert.equal(await decision(server.admin, { principal, ...own }), 'Allow', principal);
    }
    // The role itself may read elsewhere: the refusal above is the job's session policy.
    assert.equal(await decision(server.admin, { principal: `arn:aws:iam::${ROOT}:role/${ROLE}`, ...other }), 'Allow');
  });
});
