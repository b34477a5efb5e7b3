/**
 * Review D, finding 2: GetAccessKeyLastUsed with the key id of another account's user was decided on that user. A
 * caller of account B without the right was refused on `arn:aws:iam::B:user/<A's user's path and name>`, so the
 * AccessDenied named who in account A holds the key; and since the decision read A's user's tags as aws:ResourceTag,
 * B's admin could give a user of B an Allow conditioned on `aws:ResourceTag/clearance` and read A's tag values off
 * AccessDenied versus NoSuchEntity. Now a key of another account is no key here: decided on `user/*`, NoSuchEntity
 * when allowed. Real SDK v3 against a real server with two accounts.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { sdkFailure, startTestServer, type TestServer } from './support/server.ts';

const OTHER = '111122223333';
let server: TestServer;
let keyId: string;
let otherAdmin: I.IAMClient;

/** A user of the other account with one inline policy, and a client signing as it. */
async function otherUser(name: string, statement: object): Promise<I.IAMClient> {
  await otherAdmin.send(new I.CreateUserCommand({ UserName: name }));
  await otherAdmin.send(new I.PutUserPolicyCommand({ UserName: name, PolicyName: 'p', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [statement] }) }));
  const k = (await otherAdmin.send(new I.CreateAccessKeyCommand({ UserName: name }))).AccessKey!;
  return server.iam({ accessKeyId: k.AccessKeyId!, secretAccessKey: k.SecretAccessKey! });
}

before(async () => {
  server = await startTestServer();
  const iam = server.iam();
  await iam.send(new I.CreateUserCommand({ UserName: 'secret-agent', Path: '/spies/', Tags: [{ Key: 'clearance', Value: 'top' }] }));
  keyId = (await iam.send(new I.CreateAccessKeyCommand({ UserName: 'secret-agent' }))).AccessKey!.AccessKeyId!;
  const app = await server.openApp();
  const root = await app.authenticate(server.admin.accessKeyId);
  assert.ok(root.ok);
  const created = await app.createAccount(root.value.caller, { id: OTHER, partition: 'aws', name: 'other' });
  assert.ok(created.ok);
  otherAdmin = server.iam({ accessKeyId: created.value.AccessKeyId, secretAccessKey: created.value.SecretAccessKey });
});
after(async () => {
  await server?.stop();
});

test('a refusal names no user of another account', async () => {
  const bob = await otherUser('bob', { Effect: 'Allow', Action: 'iam:GetAccessKeyLastUsed', Resource: `arn:aws:iam::${OTHER}:user/bob` });
  const f = await sdkFailure(bob.send(new I.GetAccessKeyLastUsedCommand({ AccessKeyId: keyId })));
  assert.equal(f.code, 'AccessDenied');
  assert.doesNotMatch(f.message, /secret-agent|spies/);
  // As a key that exists nowhere is refused.
  const none = await sdkFailure(bob.send(new I.GetAccessKeyLastUsedCommand({ AccessKeyId: 'AKIANOTAKEYANYWHERE0' })));
  assert.equal(f.message, none.message);
});

test('the other account cannot read the key user’s tags through its own conditions', async () => {
  const probe = (value: string) => ({ Effect: 'Allow', Action: 'iam:GetAccessKeyLastUsed', Resource: '*', Condition: { StringEquals: { 'aws:ResourceTag/clearance': value } } });
  const right = await otherUser('guess-top', probe('top'));
  const wrong = await otherUser('guess-low', probe('low'));
  const a = await sdkFailure(right.send(new I.GetAccessKeyLastUsedCommand({ AccessKeyId: keyId })));
  const b = await sdkFailure(wrong.send(new I.GetAccessKeyLastUsedCommand({ AccessKeyId: keyId })));
  assert.equal(a.code, b.code, 'the right guess and the wrong one are answered alike');
  assert.equal(a.code, 'AccessDenied');
});

test('the other account’s admin is told the key does not exist; the key’s own account still reads it', async () => {
  assert.equal((await sdkFailure(otherAdmin.send(new I.GetAccessKeyLastUsedCommand({ AccessKeyId: keyId })))).code, 'NoSuchEntity');
  const own = await server.iam().send(new I.GetAccessKeyLastUsedCommand({ AccessKeyId: keyId }));
  assert.equal(own.UserName, 'secret-agent');
});
