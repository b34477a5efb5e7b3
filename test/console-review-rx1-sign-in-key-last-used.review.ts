/**
 * Review rx, finding 1: a console sign-in's requests were a use of its long-term key through the admin API only.
 *
 * A console sign-in opened with a user's access key acts as that key, its last use included (docs/decisions.md, "The web
 * console is a static page that signs its own calls": "one opened with a long-term key acts as that key in its decisions
 * (`acs:AccessId`, the key's last use)"). Its credentials are ordinary temporary credentials and are taken by every edge,
 * but only `/v1` noted the key's use: the same sign-in calling IAM, STS (AWS's or Alibaba's) or S3 left the key's
 * GetAccessKeyLastUsed at the sign-in's own `/v1` call, so the date and service AWS reports for a key ("the last time
 * the access key was used to sign a request, and the service it was sent to") said one thing for one edge and another
 * for the others. Every edge now notes a console sign-in's verified request as a use of the key it was opened with.
 * Real server; SDK v3 clients; the admin API through the CLI's client.
 *
 * Before the fix 3 of 3 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import * as S from '@aws-sdk/client-sts';
import { ListBucketsCommand } from '@aws-sdk/client-s3';
import { call } from '../src/adapters/cli/client.ts';
import { REGION, startTestServer, userWithPolicy, type Credentials, type TestServer } from './support/server.ts';
import { s3ClientAs } from './support/s3.ts';

const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });

describe("review rx1: a console sign-in's requests are uses of its key on every edge", () => {
  let s: TestServer;
  let alice: Credentials;
  const signIn = async (): Promise<Credentials> => {
    const r = await call<{ credentials: Credentials }>({ endpoint: new URL(s.url), credentials: alice, region: REGION, credentialsSource: 'test' }, 'POST', ['console', 'sign-in']);
    assert.ok(r.ok, JSON.stringify(r));
    const { accessKeyId, secretAccessKey, sessionToken } = r.value.credentials;
    return { accessKeyId, secretAccessKey, ...(sessionToken !== undefined ? { sessionToken } : {}) };
  };
  const lastUsed = async () => (await s.iam().send(new I.GetAccessKeyLastUsedCommand({ AccessKeyId: alice.accessKeyId }))).AccessKeyLastUsed;

  before(async () => {
    s = await startTestServer();
    alice = await userWithPolicy(s, 'alice', doc({ Effect: 'Allow', Action: '*', Resource: '*' }));
  });
  after(() => s?.stop());

  it('an IAM call of the sign-in is a use of the key, for iam', async () => {
    const signedIn = await signIn();
    assert.equal((await lastUsed())?.ServiceName, 'gatehouse');
    await s.iam(signedIn).send(new I.GetUserCommand({}));
    assert.equal((await lastUsed())?.ServiceName, 'iam');
  });

  it('a GetCallerIdentity of the sign-in is a use of the key, for sts', async () => {
    const signedIn = await signIn();
    assert.equal((await lastUsed())?.ServiceName, 'gatehouse');
    const who = await s.sts(signedIn).send(new S.GetCallerIdentityCommand({}));
    assert.match(who.Arn ?? '', /:user\/alice$/);
    assert.equal((await lastUsed())?.ServiceName, 'sts');
  });

  it('an S3 call of the sign-in is a use of the key, for s3', async () => {
    const signedIn = await signIn();
    assert.equal((await lastUsed())?.ServiceName, 'gatehouse');
    const client = s3ClientAs(s, signedIn);
    try {
      await client.send(new ListBucketsCommand({}));
    } finally {
      client.destroy();
    }
    assert.equal((await lastUsed())?.ServiceName, 's3');
  });
});
