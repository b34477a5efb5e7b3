/**
 * Review bt, 3, against a real server with the real `@aws-sdk/client-s3`: ListMultipartUploads and ListParts name who
 * began each upload (`Initiator`) and the bucket's owner (`Owner`), whoever lists them.
 *
 * What was wrong: both filled `Initiator` and `Owner` with the account of the caller listing, so a partner listing a
 * shared bucket's uploads (cross-account, through the bucket policy) was told it had begun every one of them and owned
 * them, and an owner could not tell which user's upload was stuck. The store did not record who began an upload.
 *
 * What is now so, as API_Initiator and API_ListMultipartUploads say: `Initiator` is the principal that began the
 * upload — an IAM user's ARN with its name as DisplayName (as S3 answers, versity/versitygw#2156), a session's ARN
 * (without DisplayName), the account for a root (the gateway's stand-in for a canonical id, as in every Owner it answers) — kept with the upload and the same
 * for every caller; `Owner` is the bucket's owner, which owns what the upload completes to (ACLs disabled,
 * BucketOwnerEnforced). An upload recorded by an earlier Gatehouse, without an initiator, names the bucket owner.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as S3 from '@aws-sdk/client-s3';
import * as I from '@aws-sdk/client-iam';
import * as STS from '@aws-sdk/client-sts';
import { startTestServer, userWithKey, type Credentials, type TestServer } from './support/server.ts';

const OWNER = '000000000000';
const PARTNER = '111111111111';
const B = 'bt3-shared';
let server: TestServer;
const clients: S3.S3Client[] = [];

function s3(s: TestServer, credentials: Credentials): S3.S3Client {
  const c = new S3.S3Client({ endpoint: s.running.s3Url, region: 'us-east-1', forcePathStyle: true, credentials, maxAttempts: 1 });
  clients.push(c);
  return c;
}

before(async () => {
  server = await startTestServer({ keepDir: true });
});

after(async () => {
  for (const c of clients.splice(0)) c.destroy();
  await server?.stop();
  if (server) await rm(server.dataDir, { recursive: true, force: true });
});

/** Every `upload.json` under `dir`. */
async function uploadRecords(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) if (e.isFile() && e.name === 'upload.json') out.push(join(e.parentPath, e.name));
  return out;
}

describe('Initiator and Owner of an upload', () => {
  it('the upload\'s initiator and the bucket owner, the same for the owner\'s admin, its user alice, a partner account\'s admin and a session of a partner role listing', async () => {
    const app = await server.openApp();
    const root = await app.authenticate(server.admin.accessKeyId);
    assert.ok(root.ok);
    const created = await app.createAccount(root.value.caller, { id: PARTNER, partition: 'aws', name: 'partner' });
    assert.ok(created.ok, JSON.stringify(created));
    const owner = s3(server, server.admin);
    const alice = s3(server, await userWithKey(server, 'alice'));
    const partnerKeys = { accessKeyId: created.value.AccessKeyId, secretAccessKey: created.value.SecretAccessKey };
    const partner = s3(server, partnerKeys);
    // A session of a partner role: its initiator is the session's ARN.
    const doc = (statement: object): string => JSON.stringify({ Version: '2012-10-17', Statement: [statement] });
    const partnerIam = server.iam(partnerKeys);
    await partnerIam.send(new I.CreateRoleCommand({ RoleName: 'uploader', AssumeRolePolicyDocument: doc({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${PARTNER}:root` }, Action: 'sts:AssumeRole' }) }));
    await partnerIam.send(new I.PutRolePolicyCommand({ RoleName: 'uploader', PolicyName: 'p', PolicyDocument: doc({ Effect: 'Allow', Action: 's3:*', Resource: '*' }) }));
    const session = (await server.sts(partnerKeys).send(new STS.AssumeRoleCommand({ RoleArn: `arn:aws:iam::${PARTNER}:role/uploader`, RoleSessionName: 'bt3' }))).Credentials;
    const uploader = s3(server, { accessKeyId: session?.AccessKeyId ?? '', secretAccessKey: session?.SecretAccessKey ?? '', sessionToken: session?.SessionToken ?? '' });

    await owner.send(new S3.CreateBucketCommand({ Bucket: B }));
    const actions = ['s3:PutObject', 's3:ListBucketMultipartUploads', 's3:ListMultipartUploadParts'];
    const Principal = { AWS: [`arn:aws:iam::${PARTNER}:root`, `arn:aws:iam::${OWNER}:user/alice`] };
    const Policy = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal, Action: actions, Resource: [`arn:aws:s3:::${B}`, `arn:aws:s3:::${B}/*`] }] });
    await owner.send(new S3.PutBucketPolicyCommand({ Bucket: B, Policy }));

    const ids = new Map<string, string>();
    for (const [key, c] of [['by-alice', alice], ['by-owner', owner], ['by-partner', partner], ['by-session', uploader]] as const) {
      ids.set(key, (await c.send(new S3.CreateMultipartUploadCommand({ Bucket: B, Key: key }))).UploadId ?? '');
    }
    const expected = {
      'by-alice': { ID: `arn:aws:iam::${OWNER}:user/alice`, DisplayName: 'alice' },
      'by-owner': { ID: `arn:aws:iam::${OWNER}:user/admin`, DisplayName: 'admin' },
      'by-partner': { ID: `arn:aws:iam::${PARTNER}:user/admin`, DisplayName: 'admin' },
      'by-session': { ID: `arn:aws:sts::${PARTNER}:assumed-role/uploader/bt3` },
    };

    for (const [who, c] of [['owner', owner], ['alice', alice], ['partner', partner], ['partner session', uploader]] as const) {
      const listed = await c.send(new S3.ListMultipartUploadsCommand({ Bucket: B }));
      const seen = Object.fromEntries((listed.Uploads ?? []).map((u) => [u.Key, { initiator: u.Initiator, owner: u.Owner?.ID }]));
      assert.deepEqual(seen, Object.fromEntries(Object.entries(expected).map(([k, i]) => [k, { initiator: i, owner: OWNER }])), `ListMultipartUploads by ${who}`);
      for (const [key, initiator] of Object.entries(expected)) {
        const parts = await c.send(new S3.ListPartsCommand({ Bucket: B, Key: key, UploadId: ids.get(key) }));
        assert.deepEqual([parts.Initiator, parts.Owner?.ID], [initiator, OWNER], `ListParts of ${key} by ${who}`);
      }
    }
  });

  it('kept across a restart; an upload recorded without an initiator (an earlier Gatehouse) names the bucket owner', async () => {
    const records = await uploadRecords(server.dataDir);
    assert.equal(records.length, 4);
    let stripped = '';
    for (const file of records) {
      const record = JSON.parse(await readFile(file, 'utf8')) as { key: string; initiator?: unknown };
      assert.ok(record.initiator !== undefined, `${record.key} is recorded with its initiator`);
      if (record.key !== 'by-alice') continue;
      delete record.initiator;
      await writeFile(file, JSON.stringify(record));
      stripped = record.key;
    }
    assert.equal(stripped, 'by-alice');
    await server.stopServer();
    const again = await startTestServer({ dataDir: server.dataDir, keepDir: true });
    try {
      const listed = await s3(again, again.admin).send(new S3.ListMultipartUploadsCommand({ Bucket: B }));
      const seen = Object.fromEntries((listed.Uploads ?? []).map((u) => [u.Key, u.Initiator?.ID]));
      assert.deepEqual(seen, { 'by-alice': OWNER, 'by-owner': `arn:aws:iam::${OWNER}:user/admin`, 'by-partner': `arn:aws:iam::${PARTNER}:user/admin`, 'by-session': `arn:aws:sts::${PARTNER}:assumed-role/uploader/bt3` });
    } finally {
      for (const c of clients.splice(0)) c.destroy();
      await again.stopServer();
    }
  });
});
