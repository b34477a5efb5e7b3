/**
 * Review lv, 2: a console sign-in's audit record (`gatehouse:ConsoleSignIn`) named the user or session and the sign-in's
 * own new key (`detail.accessKeyId`, the ASIA… key the console then signs with), but not the credentials it was opened
 * with. A user has up to two access keys (one being rotated out, or one leaked): which of them opened a sign-in at
 * 3 a.m. from an unknown address could not be read from the log; and a sign-in opened with a role's session was tied
 * to no AssumeRole record (session names repeat), so what an operator did in the console could not be traced to the
 * session, its source identity and the address it was assumed from. CloudTrail records the key that signed every call
 * (`userIdentity.accessKeyId`), GetSessionToken's and a federation sign-in's included, beside the credentials issued
 * (`responseElements.credentials.accessKeyId`) — "CloudTrail userIdentity element", AWS CloudTrail User Guide.
 * Now the record names them: `detail.openedWith`, the access key id of the long-term key or of the session's temporary
 * credentials that signed the sign-in (never a secret), which the AssumeRole record of that session carries as its own
 * `detail.accessKeyId`.
 * Real server on 127.0.0.1; the IAM and STS clients of the AWS SDK, the admin API through the CLI's client.
 * Before the fix 2 of 2 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { call } from '../src/adapters/cli/client.ts';
import { auditRecords, REGION, startTestServer, userWithKey, type Credentials, type TestServer } from './support/server.ts';

describe('review lv2: a console sign-in\'s record names the credentials it was opened with', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
  });
  after(() => s?.stop());

  const signIn = async (credentials: Credentials): Promise<string> => {
    const r = await call<{ credentials: { accessKeyId: string } }>({ endpoint: new URL(s.url), credentials, region: REGION, credentialsSource: 'test' }, 'POST', ['console', 'sign-in']);
    assert.ok(r.ok, JSON.stringify(r));
    return r.value.credentials.accessKeyId;
  };
  const recordOf = async (consoleKey: string) => {
    const r = (await auditRecords(s, { action: 'gatehouse:ConsoleSignIn' })).find((x) => (x.detail as Record<string, unknown> | undefined)?.['accessKeyId'] === consoleKey);
    assert.ok(r !== undefined, `a ConsoleSignIn record of ${consoleKey}`);
    return r;
  };

  it('opened with one of a user\'s two keys: that key, not the other', async () => {
    const first = await userWithKey(s, 'lv2-alice');
    const iam = new I.IAMClient({ endpoint: s.url, region: REGION, credentials: s.admin, maxAttempts: 1 });
    try {
      const k = (await iam.send(new I.CreateAccessKeyCommand({ UserName: 'lv2-alice' }))).AccessKey;
      const second = { accessKeyId: k?.AccessKeyId ?? '', secretAccessKey: k?.SecretAccessKey ?? '' };
      const consoleKey = await signIn(second);
      const r = await recordOf(consoleKey);
      assert.equal(r.principal, 'arn:aws:iam::000000000000:user/lv2-alice');
      assert.equal((r.detail as Record<string, unknown>)['openedWith'], second.accessKeyId);
      assert.notEqual(second.accessKeyId, first.accessKeyId);
      assert.ok(!JSON.stringify(r).includes(second.secretAccessKey), 'no secret in the record');
    } finally {
      iam.destroy();
    }
  });

  it('opened with a role\'s session: the session\'s key, which its AssumeRole record names', async () => {
    const iam = new I.IAMClient({ endpoint: s.url, region: REGION, credentials: s.admin, maxAttempts: 1 });
    const sts = new STSClient({ endpoint: s.url, region: REGION, credentials: s.admin, maxAttempts: 1 });
    try {
      const trust = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::000000000000:root' }, Action: 'sts:AssumeRole' }] });
      await iam.send(new I.CreateRoleCommand({ RoleName: 'lv2-ops', AssumeRolePolicyDocument: trust }));
      const c = (await sts.send(new AssumeRoleCommand({ RoleArn: 'arn:aws:iam::000000000000:role/lv2-ops', RoleSessionName: 'oncall' }))).Credentials;
      const session = { accessKeyId: c?.AccessKeyId ?? '', secretAccessKey: c?.SecretAccessKey ?? '', sessionToken: c?.SessionToken ?? '' };
      const consoleKey = await signIn(session);
      const r = await recordOf(consoleKey);
      assert.equal(r.principal, 'arn:aws:sts::000000000000:assumed-role/lv2-ops/oncall');
      assert.equal((r.detail as Record<string, unknown>)['openedWith'], session.accessKeyId);
      const assumed = (await auditRecords(s, { action: 'sts:AssumeRole' })).filter((x) => (x.detail as Record<string, unknown> | undefined)?.['accessKeyId'] === session.accessKeyId);
      assert.equal(assumed.length, 1, 'the AssumeRole record of the session the sign-in was opened with');
      assert.ok(!JSON.stringify(r).includes(session.secretAccessKey) && !JSON.stringify(r).includes(session.sessionToken), 'no secret in the record');
    } finally {
      iam.destroy();
      sts.destroy();
    }
  });
});
