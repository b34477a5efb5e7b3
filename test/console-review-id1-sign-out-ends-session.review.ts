/**
 * Review of the web console (review id, 1): Sign out ended nothing on the server.
 *
 * What was wrong: the console signed every call with SigV4 signing keys derived from the key typed into it, kept in the
 * tab's session storage (which Chromium writes to the profile on disk). Sign out removed them from the tab and
 * reloaded the page; the server knew no sign-in to end, so those keys, copied by anyone who had the machine or the
 * profile, went on signing the admin API as the administrator until their dates passed (up to two days), whatever
 * the operator had done to sign out on a shared machine.
 *
 * What is now so: signing in opens a console sign-in on the server (`POST /v1/console/sign-in`: temporary credentials
 * of the caller, at most 8 hours, acting as the key typed while that key is usable); the page signs with them only.
 * Sign out calls `POST /v1/console/sign-out`, which revokes that sign-in on every instance (ExpiredToken from then
 * on), then shows the sign-in form. The key the sign-in was opened with, and a session it was opened with, keep working.
 *
 * HTTP against a real server, signed by web/console.js's own signer; and the page itself in Chromium through
 * playwright-core (skipped when chromium is absent).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as I from '@aws-sdk/client-iam';
import { AssumeRoleCommand, GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { auditRecords, startTestServer, sdkFailure, userWithKey, type Credentials, type TestServer } from './support/server.ts';
import { CHROMIUM_SKIP, serverAndChromium, signedInPage } from './support/console.ts';

type SignRequest = (r: { method: string; host: string; path: string; body?: string; credentials: Credentials }) => Promise<{ url: string; headers: Record<string, string> }>;
const CONSOLE_JS = pathToFileURL(join(import.meta.dirname, '..', 'web', 'console.js')).href;

declare const sessionStorage: { getItem(k: string): string | null };
declare const document: { getElementById(id: string): { textContent: string | null; hidden: boolean } | null };

async function call(server: TestServer, credentials: Credentials, method: string, path: string): Promise<{ status: number; json: Record<string, unknown> }> {
  const { signRequest } = (await import(CONSOLE_JS)) as { signRequest: SignRequest };
  const signed = await signRequest({ method, host: new URL(server.url).host, path, credentials });
  const res = await fetch(`${server.url}${signed.url}`, { method, headers: signed.headers });
  const text = await res.text();
  return { status: res.status, json: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>) };
}

const code = (r: { json: Record<string, unknown> }): string | undefined => (r.json['error'] as { code?: string } | undefined)?.code;

describe('web console review id1: sign-out ends the console sign-in on the server', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(async () => {
    await server?.stop();
  });

  /** Signs in as the console does; its credentials. */
  async function signIn(c: Credentials): Promise<Credentials> {
    const r = await call(server, c, 'POST', '/v1/console/sign-in');
    assert.equal(r.status, 200, JSON.stringify(r.json));
    const got = r.json['credentials'] as { accessKeyId: string; secretAccessKey: string; sessionToken: string; expiration: string };
    // At most the console's 8 hours.
    assert.ok(Date.parse(got.expiration) <= Date.now() + 8 * 3600_000 + 5_000, got.expiration);
    return { accessKeyId: got.accessKeyId, secretAccessKey: got.secretAccessKey, sessionToken: got.sessionToken };
  }

  it('with a long-term key: after sign-out the sign-in is refused, the key itself is not', async () => {
    const admin = server.admin;
    const con = await signIn(admin);
    const me = await call(server, con, 'GET', '/v1/whoami');
    assert.equal(me.status, 200, JSON.stringify(me.json));
    assert.equal(me.json['arn'], 'arn:aws:iam::000000000000:user/admin');
    // It administers as the key does (a GetSessionToken session may not).
    assert.equal((await call(server, con, 'GET', '/v1/users')).status, 200);

    const out = await call(server, con, 'POST', '/v1/console/sign-out');
    assert.equal(out.status, 200, JSON.stringify(out.json));
    const after = await call(server, con, 'GET', '/v1/users');
    assert.equal(after.status, 403, JSON.stringify(after.json));
    assert.equal(code(after), 'ExpiredToken');
    assert.equal(code(await call(server, con, 'POST', '/v1/console/sign-out')), 'ExpiredToken');
    // The key typed is not signed out of anything else.
    assert.equal((await call(server, admin, 'GET', '/v1/whoami')).status, 200);
    // Both are in the audit log, with the key the sign-in was opened with, never a secret.
    const signIns = await auditRecords(server, { action: 'gatehouse:ConsoleSignIn' });
    const signOuts = await auditRecords(server, { action: 'gatehouse:ConsoleSignOut' });
    assert.equal(signIns[0]?.principal, 'arn:aws:iam::000000000000:user/admin');
    assert.equal(signOuts[0]?.kind, 'change');
    assert.equal(signOuts[0]?.decision, 'ok');
    assert.ok(!JSON.stringify([signIns, signOuts]).includes(con.secretAccessKey) && !JSON.stringify([signIns, signOuts]).includes(con.sessionToken ?? '-'));
  });

  it('a sign-in ends with the key it was opened with, and sign-out wants a sign-in', async () => {
    const c = await userWithKey(server, 'id1-user');
    await server.iam().send(new I.AttachUserPolicyCommand({ UserName: 'id1-user', PolicyArn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' }));
    const con = await signIn(c);
    assert.equal((await call(server, con, 'GET', '/v1/users')).status, 200);
    await server.iam().send(new I.UpdateAccessKeyCommand({ UserName: 'id1-user', AccessKeyId: c.accessKeyId, Status: 'Inactive' }));
    const deadline = Date.now() + 5_000;
    let r = await call(server, con, 'GET', '/v1/whoami');
    while (r.status === 200 && Date.now() < deadline) {
      await new Promise((f) => setTimeout(f, 100));
      r = await call(server, con, 'GET', '/v1/whoami');
    }
    assert.equal(code(r), 'InvalidClientTokenId');
    // The long-term key itself ends nothing: sign-out says what it ends.
    const wrong = await call(server, server.admin, 'POST', '/v1/console/sign-out');
    assert.equal(wrong.status, 400, JSON.stringify(wrong.json));
    assert.match(String((wrong.json['error'] as { message: string }).message), /sign-out ends a console sign-in/);
  });

  it('with a role session: sign-out ends the console copy only; revoking the session ends the copy too', async () => {
    const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::000000000000:root' }, Action: 'sts:AssumeRole' }] };
    const role = (await server.iam().send(new I.CreateRoleCommand({ RoleName: 'id1-reader', AssumeRolePolicyDocument: JSON.stringify(trust) }))).Role!;
    await server.iam().send(new I.AttachRolePolicyCommand({ RoleName: 'id1-reader', PolicyArn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' }));
    const assume = async (name: string): Promise<Credentials> => {
      const got = (await server.sts().send(new AssumeRoleCommand({ RoleArn: role.Arn!, RoleSessionName: name }))).Credentials!;
      return { accessKeyId: got.AccessKeyId!, secretAccessKey: got.SecretAccessKey!, sessionToken: got.SessionToken! };
    };
    const session = await assume('id1-one');
    const con = await signIn(session);
    const me = await call(server, con, 'GET', '/v1/whoami');
    assert.equal(me.json['arn'], 'arn:aws:sts::000000000000:assumed-role/id1-reader/id1-one');
    assert.equal(code(await call(server, con, 'POST', '/v1/console/sign-in')), 'AccessDenied');
    assert.equal((await call(server, con, 'POST', '/v1/console/sign-out')).status, 200);
    assert.equal(code(await call(server, con, 'GET', '/v1/whoami')), 'ExpiredToken');
    assert.equal((await server.sts(session).send(new GetCallerIdentityCommand({}))).Arn, me.json['arn']);

    const other = await assume('id1-two');
    const con2 = await signIn(other);
    const { signRequest } = (await import(CONSOLE_JS)) as { signRequest: SignRequest };
    const body = JSON.stringify({ sessionArn: 'arn:aws:sts::000000000000:assumed-role/id1-reader/id1-two' });
    const signed = await signRequest({ method: 'POST', host: new URL(server.url).host, path: '/v1/sts/revoke-sessions', body, credentials: server.admin });
    const revoked = await fetch(`${server.url}${signed.url}`, { method: 'POST', headers: signed.headers, body });
    assert.equal(revoked.status, 200, await revoked.text());
    assert.equal((await sdkFailure(server.sts(other).send(new GetCallerIdentityCommand({})))).code, 'ExpiredToken');
    assert.equal(code(await call(server, con2, 'GET', '/v1/whoami')), 'ExpiredToken');
  });
});

describe('web console review id1: the Sign out button ends the sign-in on the server', { skip: CHROMIUM_SKIP }, () => {
  const world = serverAndChromium();

  it('credentials the page held before Sign out are refused after it, and the sign-in form shows', async () => {
    const { page, problems } = await signedInPage(world.browser, world.server.url, world.server.admin);
    try {
      const kept = JSON.parse((await page.evaluate(() => sessionStorage.getItem('gatehouse-console-credentials'))) ?? 'null') as { accessKeyId: string; sessionToken?: string; signingKeys: Record<string, string> } | null;
      assert.ok(kept !== null);
      // The page holds a console sign-in of its own, not the key typed.
      assert.notEqual(kept.accessKeyId, world.server.admin.accessKeyId);
      assert.ok(kept.sessionToken !== undefined);
      const held = { accessKeyId: kept.accessKeyId, sessionToken: kept.sessionToken, signingKeys: kept.signingKeys } as unknown as Credentials;
      assert.equal((await call(world.server, held, 'GET', '/v1/users')).status, 200);

      await page.click('#sign-out');
      await page.waitForFunction(() => document.getElementById('sign-in')?.hidden === false);
      assert.equal(await page.textContent('#sign-in-status'), 'signed out');
      assert.equal(await page.isHidden('#console'), true);
      const after = await call(world.server, held, 'GET', '/v1/users');
      assert.equal(after.status, 403, JSON.stringify(after.json));
      assert.equal(code(after), 'ExpiredToken');
      assert.deepEqual(problems, []);
    } finally {
      await page.close();
    }
  });
});
