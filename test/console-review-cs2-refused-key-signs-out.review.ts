/**
 * Review of the web console (review cs, 2): a key the server stopped accepting left the console signed in.
 *
 * What was wrong: deactivate or delete the access key a console is signed in with, disable its user, or revoke the
 * role session it signs with, and the console went on showing `arn:…:user/x (account …)` and its Sign out button,
 * kept the key's signing keys in the tab's session storage, and answered every view with
 * `InvalidClientTokenId: The security token included in the request is invalid.` (or `ExpiredToken`), AWS's words,
 * which say neither what happened nor what to do. A reload signed in again with the kept keys, and a key made active
 * again worked again in that tab without anyone typing it.
 *
 * What is now so: once signed in, an answer that the credentials are no longer accepted (InvalidClientTokenId,
 * ExpiredToken) signs the console out, as the idle limit does: the signing keys are forgotten and the sign-in form says
 * why and what to do. A key refused at sign-in is still `sign-in refused: …`.
 *
 * Chromium through playwright-core (skipped when chromium is absent), against a real server.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { AssumeRoleCommand, GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { signedInPage, CHROMIUM_SKIP, serverAndChromium } from './support/console.ts';
import { cliAgainst, sdkFailure, userWithKey, type Credentials } from './support/server.ts';

const skip = CHROMIUM_SKIP;

type Page = import('playwright-core').Page;
declare const document: { getElementById(id: string): { textContent: string | null; hidden: boolean } | null };
declare const sessionStorage: { length: number };

const READ_ONLY = 'arn:aws:iam::aws:policy/ReadOnlyAccess';

describe('web console review cs2: credentials the server no longer accepts sign the console out', { skip }, () => {
  const world = serverAndChromium();

  /** A reader: a user with ReadOnlyAccess and a key. */
  async function reader(name: string): Promise<Credentials> {
    const c = await userWithKey(world.server, name);
    await world.server.iam().send(new I.AttachUserPolicyCommand({ UserName: name, PolicyArn: READ_ONLY }));
    return c;
  }

  /** Waits until `c` is refused with `code` (revocation reaches every instance within a second). */
  async function refused(c: Credentials, code: string): Promise<void> {
    const deadline = Date.now() + 5_000;
    for (;;) {
      const f = await sdkFailure(world.server.sts(c).send(new GetCallerIdentityCommand({})));
      if (f.code === code) return;
      if (Date.now() > deadline) assert.fail(`still not refused with ${code}: ${f.code} ${f.message}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Opens Groups on `page` and checks the console signed out, saying why. */
  async function signedOut(page: Page, problems: string[], code: string): Promise<void> {
    await page.click('nav button[data-view=groups]');
    await page.waitForFunction(() => document.getElementById('sign-in')?.hidden === false, undefined, { timeout: 5_000 }).catch(async () => {
      assert.fail(`the console stayed signed in; its status says: ${(await page.textContent('#status')) ?? ''}`);
    });
    assert.equal(await page.isHidden('#console'), true);
    assert.equal(await page.isHidden('#who'), true);
    assert.equal(await page.isHidden('#sign-out'), true);
    assert.match((await page.textContent('#sign-in-status')) ?? '', new RegExp(`^signed out: the server no longer accepts these credentials \\(${code}: .*\\): .*sign in again`));
    assert.equal(await page.evaluate(() => sessionStorage.length), 0, 'the signing keys are forgotten');
    assert.deepEqual(problems, []);
  }

  it('a deactivated access key', async () => {
    const c = await reader('cs2-deactivated');
    const { page, problems } = await signedInPage(world.browser, world.server.url, c);
    try {
      await world.server.iam().send(new I.UpdateAccessKeyCommand({ UserName: 'cs2-deactivated', AccessKeyId: c.accessKeyId, Status: 'Inactive' }));
      await refused(c, 'InvalidClientTokenId');
      await signedOut(page, problems, 'InvalidClientTokenId');
      // Made active again, the key does not come back to the tab by itself: a reload stays signed out.
      await world.server.iam().send(new I.UpdateAccessKeyCommand({ UserName: 'cs2-deactivated', AccessKeyId: c.accessKeyId, Status: 'Active' }));
      await page.reload();
      await new Promise((r) => setTimeout(r, 500));
      assert.equal(await page.isHidden('#console'), true);
    } finally {
      await page.close();
    }
  });

  it('a disabled user', async () => {
    const c = await reader('cs2-disabled');
    const { page, problems } = await signedInPage(world.browser, world.server.url, c);
    try {
      const r = await cliAgainst(world.server, ['users', 'disable', 'cs2-disabled']);
      assert.equal(r.status, 0, r.err);
      await refused(c, 'InvalidClientTokenId');
      await signedOut(page, problems, 'InvalidClientTokenId');
    } finally {
      await page.close();
    }
  });

  it('a revoked role session', async () => {
    const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::000000000000:root' }, Action: 'sts:AssumeRole' }] };
    const role = (await world.server.iam().send(new I.CreateRoleCommand({ RoleName: 'cs2-reader', AssumeRolePolicyDocument: JSON.stringify(trust) }))).Role!;
    await world.server.iam().send(new I.AttachRolePolicyCommand({ RoleName: 'cs2-reader', PolicyArn: READ_ONLY }));
    const got = (await world.server.sts().send(new AssumeRoleCommand({ RoleArn: role.Arn!, RoleSessionName: 'console' }))).Credentials!;
    const c = { accessKeyId: got.AccessKeyId!, secretAccessKey: got.SecretAccessKey!, sessionToken: got.SessionToken! };
    const { page, problems } = await signedInPage(world.browser, world.server.url, c);
    try {
      const r = await cliAgainst(world.server, ['sts', 'revoke-sessions', '--role-arn', role.Arn!]);
      assert.equal(r.status, 0, r.err);
      await refused(c, 'ExpiredToken');
      await signedOut(page, problems, 'ExpiredToken');
    } finally {
      await page.close();
    }
  });

  it('a key refused at sign-in is still a refused sign-in', async () => {
    const c = await reader('cs2-deleted');
    await world.server.iam().send(new I.DeleteAccessKeyCommand({ UserName: 'cs2-deleted', AccessKeyId: c.accessKeyId }));
    await refused(c, 'InvalidClientTokenId');
    const page = await world.browser.newPage();
    try {
      await page.goto(`${world.server.url}/ui/`);
      await page.fill('input[name=accessKeyId]', c.accessKeyId);
      await page.fill('input[name=secretAccessKey]', c.secretAccessKey);
      await page.click('#sign-in-form button[type=submit]');
      await page.waitForFunction(() => (document.getElementById('sign-in-status')?.textContent ?? '') !== '');
      assert.match((await page.textContent('#sign-in-status')) ?? '', /^sign-in refused: InvalidClientTokenId: /);
    } finally {
      await page.close();
    }
  });
});
