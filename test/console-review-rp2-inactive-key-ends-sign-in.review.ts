/**
 * Review rp, finding 2: a console sign-in whose access key was made Inactive came back when the key was made Active again.
 *
 * A console sign-in opened with a user's access key acts as that key "while that key is usable" (README §7; src/app/sts.ts
 * `consoleOfKey`): with the key Inactive its requests are refused (InvalidClientTokenId), and the console tab signs out
 * (review cs, 2) and, as every tab that signs out by itself, asks the server to end the sign-in (`POST
 * /v1/console/sign-out`: review id, 1; README "ends it on the server too, as far as it still reaches the server"). But
 * that sign-out is refused like every other request of the sign-in, so nothing was ended: when the key was made Active
 * again (a rotation rolled back, a key deactivated while an incident is looked into), the sign-in worked again for the
 * rest of its 8 hours, for whoever held a copy of its keys (the browser writes them to the profile on disk, review bd, 1),
 * though the tab had said it was signed out and nobody typed the key again.
 *
 * Now making a key Inactive ends the console sign-ins opened with it before then, on every instance, as disabling a
 * user ends its sessions (a revocation entry, `key/<access key id>`): they stay refused (ExpiredToken) once the key is
 * Active again; a sign-in opened after that works. The key itself, and sessions from GetSessionToken (which AWS keeps
 * when their key is deactivated), are not affected.
 * Real server; IAM through SDK v3, the admin API through the CLI's client.
 *
 * Before the fix 1 of 2 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import * as S from '@aws-sdk/client-sts';
import { call } from '../src/adapters/cli/client.ts';
import { REGION, startTestServer, userWithPolicy, type Credentials, type TestServer } from './support/server.ts';

const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });

describe('review rp2: a console sign-in ends when its key is made Inactive', () => {
  let s: TestServer;
  let alice: Credentials;
  const conn = (c: Credentials) => ({ endpoint: new URL(s.url), credentials: c, region: REGION, credentialsSource: 'test' as const });
  const signIn = async (c: Credentials): Promise<Credentials> => {
    const r = await call<{ credentials: Credentials }>(conn(c), 'POST', ['console', 'sign-in']);
    assert.ok(r.ok, JSON.stringify(r));
    return r.value.credentials;
  };
  const whoami = (c: Credentials) => call<{ arn: string }>(conn(c), 'GET', ['whoami']);
  const setStatus = (Status: 'Active' | 'Inactive') => s.iam().send(new I.UpdateAccessKeyCommand({ UserName: 'alice', AccessKeyId: alice.accessKeyId, Status }));

  before(async () => {
    s = await startTestServer();
    alice = await userWithPolicy(s, 'alice', doc({ Effect: 'Allow', Action: '*', Resource: '*' }));
  });
  after(() => s?.stop());

  it('a sign-in refused while its key was Inactive stays refused once the key is Active again', async () => {
    const signedIn = await signIn(alice);
    assert.ok((await whoami(signedIn)).ok);
    const session = (await s.sts(alice).send(new S.GetSessionTokenCommand({}))).Credentials;
    assert.ok(session?.SessionToken !== undefined);

    await setStatus('Inactive');
    const refused = await whoami(signedIn);
    assert.equal(refused.ok, false);
    // What the tab does as it signs out: refused as well, so it could end nothing.
    assert.equal((await call(conn(signedIn), 'POST', ['console', 'sign-out'])).ok, false);

    await setStatus('Active');
    const again = await whoami(signedIn);
    assert.equal(again.ok, false, `before: the sign-in worked again (${JSON.stringify(again)})`);
    assert.equal(!again.ok && again.errors[0]?.code, 'EXPIRED_TOKEN', JSON.stringify(again));

    // The key works, a sign-in opened now works, and the GetSessionToken session was not touched.
    assert.ok((await whoami(alice)).ok);
    assert.ok((await whoami(await signIn(alice))).ok);
    const who = await s.sts({ accessKeyId: session.AccessKeyId ?? '', secretAccessKey: session.SecretAccessKey ?? '', sessionToken: session.SessionToken }).send(new S.GetCallerIdentityCommand({}));
    assert.match(who.Arn ?? '', /:user\/alice$/);
  });

  it("another key's sign-in, and the user's other key, are not touched", async () => {
    const second = (await s.iam().send(new I.CreateAccessKeyCommand({ UserName: 'alice' }))).AccessKey;
    assert.ok(second?.AccessKeyId !== undefined && second.SecretAccessKey !== undefined);
    const other = { accessKeyId: second.AccessKeyId, secretAccessKey: second.SecretAccessKey };
    const byOther = await signIn(other);
    await setStatus('Inactive');
    await setStatus('Active');
    assert.ok((await whoami(byOther)).ok);
    assert.ok((await whoami(other)).ok);
  });
});
