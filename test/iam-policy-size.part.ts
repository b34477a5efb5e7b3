/**
 * A policy document over IAM's size quota is answered as IAM answers it, `LimitExceeded` (HTTP 409) with IAM's
 * message, not `MalformedPolicyDocument` 400 (review-g C3; docs/errors.md, POLICY_TOO_LARGE): a managed policy over
 * 6,144 characters (CreatePolicy, CreatePolicyVersion), a trust policy over 2,048 (CreateRole), an inline policy
 * past the principal's aggregate. A session policy over 2,048 characters stays STS's 400 ValidationError. Through
 * the real `@aws-sdk/client-iam` and `client-sts` against a real server, and the CLI's exit status through /v1/.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { gatehouseInProcess } from './support/gatehouse-cli.ts';
import { startTestServer, type TestServer } from './support/server.ts';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ACCT = '000000000000';

async function failure(p: Promise<unknown>): Promise<{ name: string; message: string; status: number | undefined }> {
  try {
    await p;
  } catch (e) {
    const err = e as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
    return { name: err.name ?? String(e), message: err.message ?? '', status: err.$metadata?.httpStatusCode };
  }
  return { name: 'no error', message: '', status: undefined };
}

/** A valid identity policy of `n` statements (about 95 characters each without whitespace). */
const bigPolicy = (n: number): string =>
  JSON.stringify({ Version: '2012-10-17', Statement: Array.from({ length: n }, (_, i) => ({ Sid: `S${i}`, Effect: 'Allow', Action: 's3:GetObject', Resource: `arn:aws:s3:::bucket-${i}/*` })) });
const nonWhitespace = (s: string): number => s.replace(/[ \t\n\r]/g, '').length;

describe('IAM: a policy over its size quota is LimitExceeded 409', () => {
  let server: TestServer;
  let iam: I.IAMClient;
  let home: string;
  const big = bigPolicy(120);

  before(async () => {
    server = await startTestServer();
    iam = server.iam();
    home = await mkdtemp(join(tmpdir(), 'gh-policy-size-'));
  });
  after(async () => {
    await server?.stop();
    if (home) await rm(home, { recursive: true, force: true });
  });

  it('CreatePolicy and CreatePolicyVersion over 6,144 characters', async () => {
    assert.ok(nonWhitespace(big) > 6144);
    const f = await failure(iam.send(new I.CreatePolicyCommand({ PolicyName: 'bigpol', PolicyDocument: big })));
    assert.deepEqual([f.name, f.status], ['LimitExceededException', 409], f.message);
    assert.equal(f.message, `Cannot exceed quota for PolicySize: 6144 (the document has ${nonWhitespace(big)} characters, whitespace not counted)`);
    assert.equal((await failure(iam.send(new I.GetPolicyCommand({ PolicyArn: `arn:aws:iam::${ACCT}:policy/bigpol` })))).name, 'NoSuchEntityException');

    const small = await iam.send(new I.CreatePolicyCommand({ PolicyName: 'smallpol', PolicyDocument: bigPolicy(2) }));
    const v = await failure(iam.send(new I.CreatePolicyVersionCommand({ PolicyArn: small.Policy?.Arn, PolicyDocument: big, SetAsDefault: true })));
    assert.deepEqual([v.name, v.status], ['LimitExceededException', 409], v.message);
    // A malformed document is still MalformedPolicyDocument 400.
    const m = await failure(iam.send(new I.CreatePolicyCommand({ PolicyName: 'badpol', PolicyDocument: '{"Version":"2012-10-17","Statement":[{"Effect":"allow","Action":"*","Resource":"*"}]}' })));
    assert.deepEqual([m.name, m.status], ['MalformedPolicyDocumentException', 400], m.message);
  });

  it('CreateRole with a trust policy over 2,048 characters; an inline policy past the aggregate', async () => {
    const trust = JSON.stringify({
      Version: '2012-10-17',
      Statement: Array.from({ length: 30 }, (_, i) => ({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCT}:user/u${i}` }, Action: 'sts:AssumeRole' })),
    });
    assert.ok(nonWhitespace(trust) > 2048);
    const f = await failure(iam.send(new I.CreateRoleCommand({ RoleName: 'bigtrust', AssumeRolePolicyDocument: trust })));
    assert.deepEqual([f.name, f.status], ['LimitExceededException', 409], f.message);
    assert.match(f.message, /^Cannot exceed quota for ACLSizePerRole: 2048 \(the document has \d+ characters, whitespace not counted\)$/);

    await iam.send(new I.CreateUserCommand({ UserName: 'carol' }));
    const g = await failure(iam.send(new I.PutUserPolicyCommand({ UserName: 'carol', PolicyName: 'big', PolicyDocument: big })));
    assert.deepEqual([g.name, g.status], ['LimitExceededException', 409], g.message);
    assert.match(g.message, /^Maximum policy size of 2048 bytes exceeded for user carol/);
  });

  it('a session policy over 2,048 characters is STS\'s ValidationError 400', async () => {
    await iam.send(new I.CreateRoleCommand({ RoleName: 'r', AssumeRolePolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCT}:root` }, Action: 'sts:AssumeRole' }] }) }));
    const sts = server.sts();
    const f = await failure(sts.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ACCT}:role/r`, RoleSessionName: 's', Policy: bigPolicy(40) })));
    assert.deepEqual([f.name, f.status], ['ValidationError', 400], f.message);
  });

  it('gatehouse iam policies create: the same error through /v1/, exit status 3', async () => {
    const file = join(home, 'bigpol.json');
    await writeFile(file, big);
    // In this process (test/support/gatehouse-cli.ts): the command's error and status are the point, not the process.
    const r = await gatehouseInProcess(['iam', 'policies', 'create', 'bigpol', '--document', file], {
      PATH: process.env['PATH'] ?? '/usr/bin:/bin',
      HOME: home,
      GATEHOUSE_ENDPOINT: server.url,
      AWS_ACCESS_KEY_ID: server.admin.accessKeyId,
      AWS_SECRET_ACCESS_KEY: server.admin.secretAccessKey,
    });
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /^gatehouse: LimitExceeded: Cannot exceed quota for PolicySize: 6144 /);
  });
});
