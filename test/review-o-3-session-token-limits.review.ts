/**
 * Review O, finding 3: credentials from GetSessionToken (a user's session, no MFA: Gatehouse has none) are refused
 * by the IAM API as AWS refuses them, 403 `InvalidClientTokenId`, and of the STS API may call only AssumeRole and
 * GetCallerIdentity (STS API reference, GetSessionToken). Role sessions and long-term keys are unaffected.
 * Real SDK v3 clients against a real server.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import * as S from '@aws-sdk/client-sts';
import { errorName, startTestServer, type Credentials, type TestServer } from './support/server.ts';

let server: TestServer;
let roleArn: string;
let gst: Credentials;

const credsOf = (c: S.Credentials | undefined): Credentials => ({ accessKeyId: c!.AccessKeyId!, secretAccessKey: c!.SecretAccessKey!, sessionToken: c!.SessionToken! });

/** The error name and HTTP status an SDK call failed with. */
async function refusal(p: Promise<unknown>): Promise<{ name: string; status: number | undefined; message: string }> {
  try {
    await p;
  } catch (e) {
    const err = e as { name: string; message: string; $metadata?: { httpStatusCode?: number } };
    return { name: err.name, status: err.$metadata?.httpStatusCode, message: err.message };
  }
  return { name: 'no error', status: 200, message: '' };
}

before(async () => {
  server = await startTestServer();
  const trust = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::000000000000:root' }, Action: 'sts:AssumeRole' }] });
  roleArn = (await server.iam().send(new I.CreateRoleCommand({ RoleName: 'r1', AssumeRolePolicyDocument: trust }))).Role!.Arn!;
  await server.iam().send(new I.PutRolePolicyCommand({ RoleName: 'r1', PolicyName: 'all', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] }) }));
  gst = credsOf((await server.sts().send(new S.GetSessionTokenCommand({ DurationSeconds: 900 }))).Credentials);
});

after(async () => {
  await server.stop();
});

describe('GetSessionToken credentials (no MFA)', () => {
  test('the IAM API refuses them: 403 InvalidClientTokenId, for a read and for a write', async () => {
    const list = await refusal(server.iam(gst).send(new I.ListUsersCommand({})));
    assert.deepEqual([list.name, list.status], ['InvalidClientTokenId', 403], list.message);
    assert.match(list.message, /^The security token included in the request is invalid/);
    assert.match(list.message, /GetSessionToken/);
    const create = await refusal(server.iam(gst).send(new I.CreateUserCommand({ UserName: 'made-by-gst' })));
    assert.deepEqual([create.name, create.status], ['InvalidClientTokenId', 403], create.message);
    assert.equal(await errorName(server.iam().send(new I.GetUserCommand({ UserName: 'made-by-gst' }))), 'NoSuchEntityException');
    const key = await refusal(server.iam(gst).send(new I.CreateAccessKeyCommand({ UserName: 'admin' })));
    assert.equal(key.name, 'InvalidClientTokenId', key.message);
  });

  test('of STS they may call AssumeRole and GetCallerIdentity, nothing else', async () => {
    const me = await server.sts(gst).send(new S.GetCallerIdentityCommand({}));
    assert.equal(me.Arn, 'arn:aws:iam::000000000000:user/admin');
    const assumed = await server.sts(gst).send(new S.AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: 'from-gst' }));
    assert.match(assumed.AssumedRoleUser?.Arn ?? '', /assumed-role\/r1\/from-gst$/);
    const again = await refusal(server.sts(gst).send(new S.GetSessionTokenCommand({})));
    assert.deepEqual([again.name, again.status], ['AccessDenied', 403], again.message);
    const decode = await refusal(server.sts(gst).send(new S.DecodeAuthorizationMessageCommand({ EncodedMessage: 'x'.repeat(16) })));
    assert.deepEqual([decode.name, decode.status], ['AccessDenied', 403], decode.message);
    assert.match(decode.message, /AssumeRole and GetCallerIdentity/);

    // The role session those credentials got is a role session: the IAM API serves it.
    const role = credsOf(assumed.Credentials);
    assert.ok(Array.isArray((await server.iam(role).send(new I.ListUsersCommand({}))).Users));
  });

  test('the long-term key of the same user still calls the IAM API', async () => {
    assert.ok(Array.isArray((await server.iam().send(new I.ListUsersCommand({}))).Users));
  });
});
