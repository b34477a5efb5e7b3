/**
 * Review dh, 1: STS GetAccessKeyInfo was not served (`InvalidAction`), though security tooling asks it of every key it
 * finds (whose is this leaked `AKIA…`/`ASIA…`?). Now it answers the account a key id belongs to, for any caller its
 * policies allow `sts:GetAccessKeyInfo`, whoever's key it is: a user's long-term key by the directory (active or
 * not), a temporary key by the account it carries, laid out as AWS lays it out (the offline decoders read the same
 * account); a key id of no user (never issued, or deleted) is NoSuchEntity, with the same words either way and without
 * the id. A refusal is recorded as other refused STS reads are. Real SDK v3 and the Debian aws CLI against a real
 * server with a second account of each partition.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as I from '@aws-sdk/client-iam';
import { AssumeRoleCommand, GetAccessKeyInfoCommand, type STSClient } from '@aws-sdk/client-sts';
import { auditRecords, REGION, sdkFailure, startTestServer, type Credentials, type TestServer } from './support/server.ts';
import { awsCli } from './support/aws-cli.ts';
import { awsCliEnv, awsCliMissing } from './support/processes.ts';
import { settled } from './support/settle.ts';

const OTHER = '111122223333';
const ACS = '222233334444';
let server: TestServer;
let other: Credentials;
let acs: Credentials;

/** The account AWS's key ids carry, read as the published offline decoders read it (base32, mask, shift). */
function decodedAsAws(keyId: string): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0n;
  for (const c of keyId.slice(4, 20)) bits = (bits << 5n) | BigInt(alphabet.indexOf(c));
  return (((bits >> 32n) & 0x7fffffffff80n) >> 7n).toString().padStart(12, '0');
}

const trustingRoot = (account: string) => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${account}:root` }, Action: 'sts:AssumeRole' }] });

async function userWith(admin: I.IAMClient, name: string, statements: object[]): Promise<Credentials> {
  await admin.send(new I.CreateUserCommand({ UserName: name }));
  if (statements.length) await admin.send(new I.PutUserPolicyCommand({ UserName: name, PolicyName: 'p', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: statements }) }));
  const k = (await admin.send(new I.CreateAccessKeyCommand({ UserName: name }))).AccessKey!;
  return { accessKeyId: k.AccessKeyId!, secretAccessKey: k.SecretAccessKey! };
}

const accountOf = async (sts: STSClient, keyId: string): Promise<string | undefined> => (await sts.send(new GetAccessKeyInfoCommand({ AccessKeyId: keyId }))).Account;

before(async () => {
  server = await startTestServer();
  const app = await server.openApp();
  const root = await app.authenticate(server.admin.accessKeyId);
  assert.ok(root.ok);
  for (const [id, partition] of [[OTHER, 'aws'], [ACS, 'acs']] as const) {
    const created = await app.createAccount(root.value.caller, { id, partition, name: id });
    assert.ok(created.ok, JSON.stringify(created));
    const keys = { accessKeyId: created.value.AccessKeyId, secretAccessKey: created.value.SecretAccessKey };
    if (partition === 'aws') other = keys;
    else acs = keys;
  }
});
after(async () => {
  await server?.stop();
});

describe('GetAccessKeyInfo', () => {
  test('answers the account of a long-term key, of this account or another, active or not', async () => {
    const sts = server.sts();
    assert.equal(await accountOf(sts, server.admin.accessKeyId), '000000000000');
    assert.equal(await accountOf(sts, other.accessKeyId), OTHER, 'another account’s key: its account, as AWS answers it');
    assert.equal(await accountOf(server.sts(other), server.admin.accessKeyId), '000000000000', 'asked from the other account');
    assert.equal(await accountOf(sts, acs.accessKeyId), ACS, 'an LTAI key of an acs account');
    const ops = await userWith(server.iam(other), 'ops', []);
    await server.iam(other).send(new I.UpdateAccessKeyCommand({ UserName: 'ops', AccessKeyId: ops.accessKeyId, Status: 'Inactive' }));
    assert.equal(await accountOf(sts, ops.accessKeyId), OTHER, 'the state of the key does not matter');
  });

  test('answers the account a temporary key carries, as AWS lays it out', async () => {
    await server.iam(other).send(new I.CreateRoleCommand({ RoleName: 'worker', AssumeRolePolicyDocument: trustingRoot(OTHER) }));
    await server.iam(other).send(new I.PutRolePolicyCommand({ RoleName: 'worker', PolicyName: 'p', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:GetAccessKeyInfo', Resource: '*' }] }) }));
    const session = (await server.sts(other).send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${OTHER}:role/worker`, RoleSessionName: 's1' }))).Credentials!;
    assert.match(session.AccessKeyId ?? '', /^ASIA[A-Z2-7]{16}$/);
    assert.equal(decodedAsAws(session.AccessKeyId!), OTHER, 'an offline decoder of AWS key ids reads the account too');
    assert.equal(await accountOf(server.sts(), session.AccessKeyId!), OTHER);
    // The session asks about its own key.
    const own = server.sts({ accessKeyId: session.AccessKeyId!, secretAccessKey: session.SecretAccessKey!, sessionToken: session.SessionToken! });
    assert.equal(await accountOf(own, session.AccessKeyId!), OTHER);
    // In an acs account: an STS.… key id.
    await server.iam(acs).send(new I.CreateRoleCommand({ RoleName: 'ram-worker', AssumeRolePolicyDocument: JSON.stringify({ Version: '1', Statement: [{ Effect: 'Allow', Principal: { RAM: [`acs:ram::${ACS}:root`] }, Action: 'sts:AssumeRole' }] }) }));
    const ram = (await server.sts(acs).send(new AssumeRoleCommand({ RoleArn: `acs:ram::${ACS}:role/ram-worker`, RoleSessionName: 's2' }))).Credentials!;
    assert.match(ram.AccessKeyId ?? '', /^STS\.[A-Z2-7]{24}$/);
    assert.equal(await accountOf(server.sts(), ram.AccessKeyId!), ACS);
  });

  test('a key id of no user is NoSuchEntity, deleted or never issued alike, and the id is not quoted back', async () => {
    const gone = await userWith(server.iam(), 'gone', []);
    await server.iam().send(new I.DeleteAccessKeyCommand({ UserName: 'gone', AccessKeyId: gone.accessKeyId }));
    const deleted = await sdkFailure(server.sts().send(new GetAccessKeyInfoCommand({ AccessKeyId: gone.accessKeyId })));
    const never = await sdkFailure(server.sts().send(new GetAccessKeyInfoCommand({ AccessKeyId: 'AKIANEVERISSUED12345' })));
    assert.equal(deleted.code, 'NoSuchEntity');
    assert.deepEqual([never.code, never.message], [deleted.code, deleted.message]);
    assert.doesNotMatch(deleted.message, new RegExp(gone.accessKeyId));
    const short = await sdkFailure(server.sts().send(new GetAccessKeyInfoCommand({ AccessKeyId: 'AKIASHORT' })));
    assert.deepEqual([short.code, short.status], ['ValidationError', 400]);
    assert.match(short.message, /accessKeyId.*length greater than or equal to 16/);
    const secretLike = await sdkFailure(server.sts().send(new GetAccessKeyInfoCommand({ AccessKeyId: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' })));
    assert.equal(secretLike.code, 'ValidationError');
    assert.doesNotMatch(secretLike.message, /wJalr/, 'a secret pasted in its place is not echoed');
  });

  test('is decided as sts:GetAccessKeyInfo: refused without an Allow or under a Deny, and the refusal recorded', async () => {
    const none = await userWith(server.iam(), 'nobody', [{ Effect: 'Allow', Action: 'iam:GetUser', Resource: '*' }]);
    const f = await sdkFailure(server.sts(none).send(new GetAccessKeyInfoCommand({ AccessKeyId: server.admin.accessKeyId })));
    assert.deepEqual([f.code, f.status], ['AccessDenied', 403]);
    assert.match(f.message, /user\/nobody is not authorized to perform: sts:GetAccessKeyInfo/);
    const allowed = await userWith(server.iam(), 'responder', [{ Effect: 'Allow', Action: 'sts:GetAccessKeyInfo', Resource: '*' }]);
    assert.equal(await accountOf(server.sts(allowed), other.accessKeyId), OTHER);
    const denied = await userWith(server.iam(), 'denied', [
      { Effect: 'Allow', Action: '*', Resource: '*' },
      { Effect: 'Deny', Action: 'sts:GetAccessKeyInfo', Resource: '*' },
    ]);
    assert.equal((await sdkFailure(server.sts(denied).send(new GetAccessKeyInfoCommand({ AccessKeyId: other.accessKeyId })))).code, 'AccessDenied');
    // Written in the background: read until both are there, to a bound of time (settle.ts), not 50 tries.
    const records = await settled(() => auditRecords(server, { action: 'sts:GetAccessKeyInfo' }), (got) => got.length >= 2);
    assert.deepEqual(records.map((r) => [r.kind, r.principal, r.decision]).sort(), [
      ['decision', 'arn:aws:iam::000000000000:user/denied', 'ExplicitDeny'],
      ['decision', 'arn:aws:iam::000000000000:user/nobody', 'ImplicitDeny'],
    ]);
  });
});

describe('Debian aws CLI: sts get-access-key-info', { skip: awsCliMissing() }, () => {
  let home: string;
  before(async () => {
    home = await mkdtemp(join(tmpdir(), 'gh-dh1-'));
  });
  after(async () => {
    await rm(home, { recursive: true, force: true });
  });
  const aws = (...args: string[]) =>
    awsCli(['--endpoint-url', server.url, '--region', REGION, '--output', 'json', ...args], awsCliEnv(home, server.admin));

  test('prints the account, and NoSuchEntity for a key of nobody', async () => {
    const r = await aws('sts', 'get-access-key-info', '--access-key-id', other.accessKeyId);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), { Account: OTHER });
    const none = await aws('sts', 'get-access-key-info', '--access-key-id', 'AKIANEVERISSUED12345');
    assert.notEqual(none.code, 0);
    assert.match(none.stderr, /\(NoSuchEntity\) when calling the GetAccessKeyInfo operation/);
  });
});
