/**
 * Review of the web console (review gz, 5): signed in with a role's session, the Access keys view showed only an error.
 *
 * What was wrong: the sign-in form takes temporary credentials (an operator's usual way in: assume the admin role, sign
 * in with its session). The view asked `GET /v1/access-keys` with no user, which lists the caller's own keys; a role's
 * session has none, and the server answered `ValidationError: UserName is required when the caller is not a user`:
 * a parameter the console has no field for, so the view never showed any key, whatever the role was allowed.
 *
 * What is now so: signed in as a principal that is not a user, the view lists the access keys of every user of the
 * account (ListUsers, then each user's keys), and says that is what it shows and why; a user whose keys it may not
 * list is left out and said to be, with the refusal. Signed in as a user, it shows that user's own keys as before.
 *
 * Chromium through playwright-core (skipped when chromium is absent), against a real server.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import * as S from '@aws-sdk/client-sts';
import { signedInPage, launchChromium, CHROMIUM_SKIP } from './support/console.ts';
import { startTestServer, userWithKey, type Credentials, type TestServer } from './support/server.ts';

type Browser = import('playwright-core').Browser;
declare const document: { getElementById(id: string): { textContent: string | null; className: string } | null };

describe('web console review gz5: the Access keys view signed in as a role session', { skip: CHROMIUM_SKIP }, () => {
  let server: TestServer;
  let browser: Browser;
  let bob: Credentials;
  let session: Credentials;

  before(async () => {
    server = await startTestServer();
    bob = await userWithKey(server, 'bob');
    const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::000000000000:root' }, Action: 'sts:AssumeRole' }] };
    await server.iam().send(new I.CreateRoleCommand({ RoleName: 'ops', AssumeRolePolicyDocument: JSON.stringify(trust) }));
    await server.iam().send(new I.AttachRolePolicyCommand({ RoleName: 'ops', PolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' }));
    const c = (await server.sts().send(new S.AssumeRoleCommand({ RoleArn: 'arn:aws:iam::000000000000:role/ops', RoleSessionName: 'operator' }))).Credentials;
    assert.ok(c?.AccessKeyId && c.SecretAccessKey && c.SessionToken);
    session = { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken };
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  const answered = () => /access key\(s\)/.test(document.getElementById('status')?.textContent ?? '') || document.getElementById('status')?.className === 'error';

  it('lists the keys of every user of the account, and says so', async () => {
    const { page, problems } = await signedInPage(browser, server.url, session);
    try {
      await page.click('nav button[data-view=keys]');
      await page.waitForFunction(answered);
      const said = (await page.textContent('#status')) ?? '';
      assert.match(said, /^2 access key\(s\) of the 2 user\(s\) of the account/, said);
      assert.match(said, /assumed-role\/ops\/operator/, said);
      const ids = await page.$$eval('#view tbody tr td:first-child', (tds) => tds.map((td) => td.textContent));
      assert.deepEqual([...ids].sort(), [server.admin.accessKeyId, bob.accessKeyId].sort());
      assert.deepEqual(problems, []);
    } finally {
      await page.close();
    }
  });

  it('a user whose keys the role may not list is left out, and said to be, naming the permission', async () => {
    const deny = { Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 'iam:ListAccessKeys', Resource: 'arn:aws:iam::000000000000:user/admin' }] };
    await server.iam().send(new I.PutRolePolicyCommand({ RoleName: 'ops', PolicyName: 'guard-admin', PolicyDocument: JSON.stringify(deny) }));
    const { page } = await signedInPage(browser, server.url, session);
    try {
      await page.click('nav button[data-view=keys]');
      await page.waitForFunction(answered);
      const said = (await page.textContent('#status')) ?? '';
      assert.match(said, /^1 access key\(s\) of the 2 user\(s\) of the account/, said);
      assert.match(said, /the keys of 1 user\(s\) are not shown, refused: AccessDenied: .*iam:ListAccessKeys/, said);
      assert.deepEqual(await page.$$eval('#view tbody tr td:first-child', (tds) => tds.map((td) => td.textContent)), [bob.accessKeyId]);
    } finally {
      await page.close();
      await server.iam().send(new I.DeleteRolePolicyCommand({ RoleName: 'ops', PolicyName: 'guard-admin' }));
    }
  });

  it('signed in as a user, still that user\'s own keys', async () => {
    const { page } = await signedInPage(browser, server.url, server.admin);
    try {
      await page.click('nav button[data-view=keys]');
      await page.waitForFunction(answered);
      assert.equal(await page.textContent('#status'), 'your 1 access key(s)');
      assert.deepEqual(await page.$$eval('#view tbody tr td:first-child', (tds) => tds.map((td) => td.textContent)), [server.admin.accessKeyId]);
    } finally {
      await page.close();
    }
  });
});
