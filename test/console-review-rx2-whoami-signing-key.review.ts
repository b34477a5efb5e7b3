/**
 * Review rx, finding 2: `GET /v1/whoami` and `gatehouse whoami` named, for a console sign-in opened with a long-term
 * key, that key as the access key in use.
 *
 * `gatehouse whoami` shows "who the credentials in use belong to" with their `access key`; for a GetSessionToken
 * session or a role session it is the session's own temporary key, the one that signs. A console sign-in opened with
 * a long-term key acts as that key in decisions, but its credentials are its own (`ASIA…`), and since review rp, 1 its
 * audit records name that key as the one that signed (docs/decisions.md, "The web console is a static page that signs
 * its own calls"; CloudTrail's `userIdentity.accessKeyId`): whoami alone said `AKIA…`, a key the credentials in use do
 * not hold, so `gatehouse audit query --access-key-id` with what whoami printed found nothing the sign-in did. whoami now
 * answers the key that signed, and, for a console sign-in opened with a long-term key, that key as `openedWith` (the
 * CLI prints it as `opened with`), as the sign-in's ConsoleSignIn record names it.
 * Real server; the admin API through the CLI's client; the CLI in process.
 *
 * Before the fix 2 of 3 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as S from '@aws-sdk/client-sts';
import { call } from '../src/adapters/cli/client.ts';
import { REGION, startTestServer, userWithPolicy, type Credentials, type TestServer } from './support/server.ts';
import { gatehouseInProcess } from './support/gatehouse-cli.ts';

const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });

interface WhoAmI {
  readonly arn: string;
  readonly accessKeyId: string;
  readonly openedWith?: string;
}

describe('review rx2: whoami names the key that signs, for a console sign-in too', () => {
  let s: TestServer;
  let alice: Credentials;
  const conn = (c: Credentials) => ({ endpoint: new URL(s.url), credentials: c, region: REGION, credentialsSource: 'test' as const });
  const whoami = async (c: Credentials): Promise<WhoAmI> => {
    const r = await call<WhoAmI>(conn(c), 'GET', ['whoami']);
    assert.ok(r.ok, JSON.stringify(r));
    return r.value;
  };
  const signIn = async (c: Credentials): Promise<Credentials> => {
    const r = await call<{ credentials: Credentials }>(conn(c), 'POST', ['console', 'sign-in']);
    assert.ok(r.ok, JSON.stringify(r));
    const { accessKeyId, secretAccessKey, sessionToken } = r.value.credentials;
    return { accessKeyId, secretAccessKey, ...(sessionToken !== undefined ? { sessionToken } : {}) };
  };

  before(async () => {
    s = await startTestServer();
    alice = await userWithPolicy(s, 'alice', doc({ Effect: 'Allow', Action: '*', Resource: '*' }));
  });
  after(() => s?.stop());

  it("GET /v1/whoami of a sign-in opened with a key answers the sign-in's key, and the key as openedWith", async () => {
    const signedIn = await signIn(alice);
    const me = await whoami(signedIn);
    assert.match(me.arn, /:user\/alice$/);
    assert.equal(me.accessKeyId, signedIn.accessKeyId, `before: ${me.accessKeyId}, the key it was opened with`);
    assert.equal(me.openedWith, alice.accessKeyId);
  });

  it('gatehouse whoami with the sign-in prints the key in use and the key it was opened with', async () => {
    const signedIn = await signIn(alice);
    const r = await gatehouseInProcess(['whoami'], { AWS_ACCESS_KEY_ID: signedIn.accessKeyId, AWS_SECRET_ACCESS_KEY: signedIn.secretAccessKey, AWS_SESSION_TOKEN: signedIn.sessionToken ?? '', GATEHOUSE_ENDPOINT: s.url });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`access key ${signedIn.accessKeyId}\\n`));
    assert.match(r.stdout, new RegExp(`opened with ${alice.accessKeyId}\\n`));
  });

  it('a key, a GetSessionToken session and a sign-in opened with one are unchanged: their own key, no openedWith', async () => {
    const mine = await whoami(alice);
    assert.equal(mine.accessKeyId, alice.accessKeyId);
    assert.equal(mine.openedWith, undefined);
    const t = (await s.sts(alice).send(new S.GetSessionTokenCommand({}))).Credentials;
    const session = { accessKeyId: t?.AccessKeyId ?? '', secretAccessKey: t?.SecretAccessKey ?? '', sessionToken: t?.SessionToken ?? '' };
    assert.equal((await whoami(session)).accessKeyId, session.accessKeyId);
    const copy = await signIn(session);
    const copied = await whoami(copy);
    assert.equal(copied.accessKeyId, copy.accessKeyId);
    assert.equal(copied.openedWith, undefined);
  });
});
