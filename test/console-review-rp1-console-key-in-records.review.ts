/**
 * Review rp, finding 1: what a console sign-in opened with a long-term key did was recorded under that long-term key.
 *
 * A console sign-in (`POST /v1/console/sign-in`) opened with a user's access key gets its own temporary credentials
 * (`ASIA…`), which sign every later call of the console. The audit log names the key that signed each request
 * (`accessKeyId`, CloudTrail's `userIdentity.accessKeyId`, "the access key ID that was used to sign the request":
 * docs/decisions.md "Every record says who acted and from where", review mi, 2), and the sign-in's own record names its
 * key (`detail.accessKeyId`: review lv, 2). But the caller such a sign-in makes acts as the key it was opened with
 * (src/app/sts.ts `consoleOfKey`), and its records took that key's id: a change made in the console, a decision about
 * itself, a role session it assumed and its Sign out were all recorded as signed with the user's long-term key, which
 * signed none of them. So `audit query --access-key-id ASIA…` (the key the ConsoleSignIn record names) found the sign-in
 * and nothing it did, and what a copy of a console sign-in did (kept on disk, review bd, 1) could not be told from what
 * the user's CLI did with the key. A console sign-in opened with a session's credentials was recorded under its own key
 * already.
 *
 * Now the records of a console sign-in's requests name the sign-in's key, whatever it was opened with; it still acts as
 * the key it was opened with in every decision (`acs:AccessId`, the key's last use).
 * Real server; the admin API through the CLI's client, IAM and STS through SDK v3.
 *
 * Before the fix 4 of 4 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { call } from '../src/adapters/cli/client.ts';
import { auditRecords, REGION, startTestServer, userWithPolicy, type Credentials, type TestServer } from './support/server.ts';

const ACCT = '000000000000';
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });

describe('review rp1: what a console sign-in opened with a key does is recorded under the sign-in\'s key', () => {
  let s: TestServer;
  let alice: Credentials;
  let signedIn: Credentials;
  const conn = (c: Credentials) => ({ endpoint: new URL(s.url), credentials: c, region: REGION, credentialsSource: 'test' as const });

  before(async () => {
    s = await startTestServer();
    alice = await userWithPolicy(s, 'alice', doc({ Effect: 'Allow', Action: '*', Resource: '*' }));
    const iam = s.iam();
    await iam.send(new I.CreateRoleCommand({ RoleName: 'ops', AssumeRolePolicyDocument: doc({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCT}:root` }, Action: 'sts:AssumeRole' }) }));
    const r = await call<{ credentials: Credentials }>(conn(alice), 'POST', ['console', 'sign-in']);
    assert.ok(r.ok, JSON.stringify(r));
    signedIn = r.value.credentials;
    assert.match(signedIn.accessKeyId, /^ASIA/);
  });
  after(() => s?.stop());

  const only = async (action: string, resource?: string) => {
    const found = (await auditRecords(s, { action })).filter((r) => resource === undefined || r.resource === resource);
    assert.equal(found.length, 1, `one ${action} record: ${JSON.stringify(found)}`);
    return found[0] as (typeof found)[number];
  };

  it('a change made through the admin API and through IAM names the console key', async () => {
    assert.ok((await call(conn(signedIn), 'POST', ['groups'], { body: { name: 'by-console' } })).ok);
    const iam = s.iam({ accessKeyId: signedIn.accessKeyId, secretAccessKey: signedIn.secretAccessKey, sessionToken: signedIn.sessionToken ?? '' });
    await iam.send(new I.CreateGroupCommand({ GroupName: 'by-console-iam' }));
    const admin = await only('iam:CreateGroup', `arn:aws:iam::${ACCT}:group/by-console`);
    assert.equal(admin.accessKeyId, signedIn.accessKeyId, 'before: the long-term key, which signed nothing of it');
    assert.equal(admin.principal, `arn:aws:iam::${ACCT}:user/alice`);
    const viaIam = await only('iam:CreateGroup', `arn:aws:iam::${ACCT}:group/by-console-iam`);
    assert.equal(viaIam.accessKeyId, signedIn.accessKeyId);
    // The records are found by the key the ConsoleSignIn record names.
    const byKey = await auditRecords(s, { accessKeyId: signedIn.accessKeyId });
    assert.ok(byKey.some((r) => r.resource === `arn:aws:iam::${ACCT}:group/by-console`), JSON.stringify(byKey.map((r) => r.action)));
    // What the key itself signs is still the key's.
    await s.iam(alice).send(new I.CreateGroupCommand({ GroupName: 'by-key' }));
    assert.equal((await only('iam:CreateGroup', `arn:aws:iam::${ACCT}:group/by-key`)).accessKeyId, alice.accessKeyId);
  });

  it('a decision about itself names the console key', async () => {
    const r = await call<{ decision: string }>(conn(signedIn), 'POST', ['authorize'], { body: { action: 's3:GetObject', resource: 'arn:aws:s3:::rp1-bucket/k' } });
    assert.ok(r.ok, JSON.stringify(r));
    const d = await only('s3:GetObject', 'arn:aws:s3:::rp1-bucket/k');
    assert.equal(d.accessKeyId, signedIn.accessKeyId);
  });

  it('a role session it assumes names the console key as the one that asked', async () => {
    const r = await call(conn(signedIn), 'POST', ['sts', 'assume-role'], { body: { roleArn: `arn:aws:iam::${ACCT}:role/ops`, roleSessionName: 'rp1' } });
    assert.ok(r.ok, JSON.stringify(r));
    const rec = (await auditRecords(s, { action: 'sts:AssumeRole' })).find((x) => x.session === `arn:aws:sts::${ACCT}:assumed-role/ops/rp1`);
    assert.ok(rec !== undefined);
    assert.equal(rec.accessKeyId, signedIn.accessKeyId);
  });

  it('its Sign out names the console key', async () => {
    const r = await call(conn(signedIn), 'POST', ['console', 'sign-out']);
    assert.ok(r.ok, JSON.stringify(r));
    const out = await only('gatehouse:ConsoleSignOut');
    assert.equal(out.accessKeyId, signedIn.accessKeyId);
    assert.equal((out.detail as Record<string, unknown>)['accessKeyId'], signedIn.accessKeyId);
    // The sign-in itself was signed by the key it was opened with, and says so.
    const opened = await only('gatehouse:ConsoleSignIn');
    assert.equal(opened.accessKeyId, alice.accessKeyId);
  });
});
