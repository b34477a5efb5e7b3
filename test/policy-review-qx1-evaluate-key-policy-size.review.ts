/**
 * Policy review qx, 1: `gatehouse policy evaluate --resource-policy` on a KMS key takes the key policy the server takes.
 * Before the fix 2 of 3 tests failed.
 *
 * The server caps a policy on a KMS key's ARN at 32,768 characters (KMS's "Key policy format": 32 KB; review nc, 3) and
 * a bucket's at 20,480. `policy evaluate`, which "decides one request against policy files, as the server would", read
 * every `--resource-policy` with the resource grammar's default limit, 20,480: a 25,000-character key policy the server
 * stores and decides by (`resource-policies put`, then `authorize`: Allow) was refused offline, `policy document is N
 * characters (whitespace not counted); the limit is 20480 [POLICY_TOO_LARGE]`, exit 3, and the user was sent to shrink a
 * policy that is in force. Now a resource policy is held to the limit of the resource asked about, as the server holds
 * it: 32,768 on a KMS key (AWS or Alibaba Cloud), 20,480 elsewhere. A real server and the CLI, in process.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as I from '@aws-sdk/client-iam';
import { EXIT } from '../src/adapters/cli/exit-codes.ts';
import { gatehouseInProcess } from './support/gatehouse-cli.ts';
import { cliAgainst, startTestServer, type TestServer } from './support/server.ts';

const A = '000000000000';
const ALICE = `arn:aws:iam::${A}:user/alice`;
const KEY = `arn:aws:kms:us-east-1:${A}:key/qx1-0000-0000`;
const ENV = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: '/nonexistent' };

/** A policy of more than `chars` characters (no whitespace): alice allowed `action`, then Denies outside one network each. */
const policyOf = (chars: number, action: string, resource: string): string => {
  const Statement: object[] = [{ Sid: 'Alice', Effect: 'Allow', Principal: { AWS: ALICE }, Action: action, Resource: resource }];
  for (let i = 0; JSON.stringify({ Version: '2012-10-17', Statement }).length < chars; i++) {
    Statement.push({ Sid: `Deny${i}`, Effect: 'Deny', Principal: '*', Action: action, Resource: resource, Condition: { IpAddress: { 'aws:SourceIp': `10.${i >> 8}.${i & 255}.0/24` } } });
  }
  return JSON.stringify({ Version: '2012-10-17', Statement });
};

let s: TestServer;
let dir = '';
const evaluate = (file: string, action: string, resource: string, ip: string) =>
  gatehouseInProcess(['policy', 'evaluate', '--resource-policy', join(dir, file), '--principal', ALICE, '--action', action, '--resource', resource, '--context', `aws:SourceIp=${ip}`], ENV);

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gh-qx1-'));
  await writeFile(join(dir, 'key.json'), policyOf(25_000, 'kms:Decrypt', '*'));
  await writeFile(join(dir, 'too-large-key.json'), policyOf(33_000, 'kms:Decrypt', '*'));
  await writeFile(join(dir, 'bucket.json'), policyOf(25_000, 's3:GetObject', 'arn:aws:s3:::qx1-bucket/*'));
  s = await startTestServer();
  await s.iam().send(new I.CreateUserCommand({ UserName: 'alice' }));
});
after(async () => {
  await s?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('policy evaluate holds a resource policy to the limit of the resource asked about (review qx, 1)', () => {
  it('a 25,000-character key policy: the server stores it and decides by it, and so does policy evaluate', async () => {
    const put = await cliAgainst(s, ['resource-policies', 'put', KEY, '--file', join(dir, 'key.json')]);
    assert.equal(put.status, 0, put.err);
    const server = await cliAgainst(s, ['authorize', '--principal', ALICE, '--action', 'kms:Decrypt', '--resource', KEY, '--context', 'aws:SourceIp=192.0.2.1']);
    assert.equal(server.status, EXIT.ok, server.out + server.err);

    const allowed = await evaluate('key.json', 'kms:Decrypt', KEY, '192.0.2.1');
    assert.equal(allowed.code, EXIT.ok, allowed.stdout + allowed.stderr);
    assert.match(allowed.stdout, /^Allow: /);
    // The statements past 20,480 characters are read too: the last one denies its network.
    const last = JSON.parse(policyOf(25_000, 'kms:Decrypt', '*')).Statement.at(-1).Condition.IpAddress['aws:SourceIp'] as string;
    const denied = await evaluate('key.json', 'kms:Decrypt', KEY, last.replace('.0/24', '.9'));
    assert.equal(denied.code, EXIT.denied, denied.stdout + denied.stderr);
    assert.match(denied.stdout, /^ExplicitDeny: /);
    // Alibaba Cloud KMS's key ARN alike.
    const acs = await evaluate('key.json', 'kms:Decrypt', 'acs:kms:cn-hangzhou:1234567890:key/qx1', '192.0.2.1');
    assert.equal(acs.stderr, '');
  });

  it('a key policy over 32,768 characters is refused naming that limit, as the server refuses it', async () => {
    const put = await cliAgainst(s, ['resource-policies', 'put', KEY, '--file', join(dir, 'too-large-key.json')]);
    assert.notEqual(put.status, 0);
    assert.match(put.err, /the limit is 32768/);
    const r = await evaluate('too-large-key.json', 'kms:Decrypt', KEY, '192.0.2.1');
    assert.equal(r.code, EXIT.invalidPolicy, r.stdout + r.stderr);
    assert.match(r.stderr, /too-large-key\.json:1:1: policy document is \d+ characters \(whitespace not counted\); the limit is 32768 \[POLICY_TOO_LARGE\]/);
  });

  it('a bucket policy stays capped at 20,480, the server\'s limit for it', async () => {
    const r = await evaluate('bucket.json', 's3:GetObject', 'arn:aws:s3:::qx1-bucket/k', '192.0.2.1');
    assert.equal(r.code, EXIT.invalidPolicy, r.stdout + r.stderr);
    assert.match(r.stderr, /the limit is 20480 \[POLICY_TOO_LARGE\]/);
  });
});
