/**
 * Review M9: disabling a user revokes its GetSessionToken sessions for good, whatever the user is named later.
 * The revocation entry named the user (`user/<account>/<name>`) and a session its user by the name it had when it
 * was issued; a user renamed, disabled under its new name, enabled and renamed back got back the sessions issued
 * under its first name: the entry was under the other name. "Sessions revoked when it was disabled stay revoked" (revocation.ts) did not hold. Now the entry is
 * also written under the user's unique id, and a session is checked against both.
 *
 * A real server; SDK v3 IAM and STS clients (UpdateUser, GetSessionToken, GetCallerIdentity) and the admin API
 * (POST /v1/users/:name/disable, /enable).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CreateAccessKeyCommand, CreateUserCommand, UpdateUserCommand } from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand, GetSessionTokenCommand } from '@aws-sdk/client-sts';
import { call } from '../src/adapters/cli/client.ts';
import { errorName, startTestServer, type Credentials, type TestServer } from './support/server.ts';

describe('a user renamed, disabled, enabled and renamed back (review M9)', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
  });
  after(async () => {
    await s?.stop();
  });

  it('does not get back the sessions the disable revoked', async () => {
    const iam = s.iam();
    await iam.send(new CreateUserCommand({ UserName: 'rhea' }));
    const k = await iam.send(new CreateAccessKeyCommand({ UserName: 'rhea' }));
    const key: Credentials = { accessKeyId: k.AccessKey?.AccessKeyId ?? '', secretAccessKey: k.AccessKey?.SecretAccessKey ?? '' };
    const t = await s.sts(key).send(new GetSessionTokenCommand({ DurationSeconds: 900 }));
    const session: Credentials = { accessKeyId: t.Credentials?.AccessKeyId ?? '', secretAccessKey: t.Credentials?.SecretAccessKey ?? '', sessionToken: t.Credentials?.SessionToken ?? '' };
    const whoami = () => errorName(s.sts(session).send(new GetCallerIdentityCommand({})));
    assert.equal(await whoami(), 'no error');
    const admin = (path: string[]) => call({ endpoint: new URL(s.url), credentials: s.admin, region: 'us-east-1', credentialsSource: 'test' }, 'POST', path, {});
    // Renamed, then disabled under the new name (the session, issued as rhea, is revoked by that disable).
    await iam.send(new UpdateUserCommand({ UserName: 'rhea', NewUserName: 'rhea2' }));
    assert.ok((await admin(['users', 'rhea2', 'disable'])).ok);
    assert.notEqual(await whoami(), 'no error');
    assert.ok((await admin(['users', 'rhea2', 'enable'])).ok);
    await iam.send(new UpdateUserCommand({ UserName: 'rhea2', NewUserName: 'rhea' }));
    assert.equal(await whoami(), 'ExpiredToken', 'the session revoked by the disable works again');
    // A session issued now is not affected.
    await new Promise((r) => setTimeout(r, 5));
    const fresh = await s.sts(key).send(new GetSessionTokenCommand({ DurationSeconds: 900 }));
    const c = fresh.Credentials;
    assert.equal(await errorName(s.sts({ accessKeyId: c?.AccessKeyId ?? '', secretAccessKey: c?.SecretAccessKey ?? '', sessionToken: c?.SessionToken ?? '' }).send(new GetCallerIdentityCommand({}))), 'no error');
  });
});
