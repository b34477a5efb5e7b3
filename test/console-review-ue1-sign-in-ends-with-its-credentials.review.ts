/**
 * Review ue, 1: a console sign-in opened with temporary credentials stayed signed in, in the tab, after they expired.
 *
 * The contract: a sign-in opened with a session copies it and ends with it (docs/decisions.md "The web console is a
 * static page that signs its own calls"; `POST /v1/console/sign-in` answers its `expiration`), and the console signs
 * out when its sign-in ends, saying why, as it does at its idle and 8-hour limits (review console, W7 and H5). AWS's
 * console does the same when the role session it switched to expires ("Your session has expired").
 *
 * What was wrong: the page read the sign-in's credentials and left their `expiration` unread. Signed in with a role's
 * session that had 15 minutes left, it showed the console signed in, with the last view's data on screen, for as long
 * as nobody clicked (up to its 8 hours, its idle limit aside); the first call after the end was sent and came back
 * ExpiredToken, said as "the access key was deactivated or deleted, its user disabled, or the session expired or was
 * revoked", or, on a computer whose clock was off, as a clock problem. A reload kept a sign-in already ended.
 *
 * What is now so: the page keeps when the sign-in ends (`endsAt`, the credentials' expiration when before its 8 hours)
 * and signs out then, at the timer's tick or at the next call (which is not sent), saying when it ended and why.
 *
 * Chromium through playwright-core with its fake clock (skipped when chromium is absent), against a real server.
 * Before the fix 2 of 3 tests failed.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import * as S from '@aws-sdk/client-sts';
import { CHROMIUM_SKIP, serverAndChromium } from './support/console.ts';
import type { Credentials } from './support/server.ts';

type Page = import('playwright-core').Page;
declare const document: { getElementById(id: string): { textContent: string | null } | null };
declare const sessionStorage: { length: number };

const ENDED = /^signed out: the sign-in ended at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ, when the temporary credentials it was opened with expired/;

describe('web console review ue1: a sign-in opened with temporary credentials ends with them in the tab', { skip: CHROMIUM_SKIP }, () => {
  const world = serverAndChromium();
  /** A 15-minute session of an administrator role, and when it expires. */
  let session: Credentials & { expiration: number };

  before(async () => {
    const iam = world.server.iam();
    const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::000000000000:root' }, Action: 'sts:AssumeRole' }] };
    await iam.send(new I.CreateRoleCommand({ RoleName: 'ue1-ops', AssumeRolePolicyDocument: JSON.stringify(trust) }));
    await iam.send(new I.AttachRolePolicyCommand({ RoleName: 'ue1-ops', PolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' }));
    const c = (await world.server.sts().send(new S.AssumeRoleCommand({ RoleArn: 'arn:aws:iam::000000000000:role/ue1-ops', RoleSessionName: 'operator', DurationSeconds: 900 }))).Credentials;
    assert.ok(c?.AccessKeyId && c.SecretAccessKey && c.SessionToken && c.Expiration);
    session = { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken, expiration: c.Expiration.getTime() };
  });

  /** A tab with the fake clock, signed in with `who`; the paths of the requests it sends from then on. */
  async function signedIn(who: Credentials): Promise<{ page: Page; sent: string[]; problems: string[] }> {
    const page = await world.browser.newPage();
    page.setDefaultTimeout(15_000);
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    await page.clock.install();
    await page.goto(`${world.server.url}/ui/`);
    await page.fill('input[name=accessKeyId]', who.accessKeyId);
    await page.fill('input[name=secretAccessKey]', who.secretAccessKey);
    if (who.sessionToken !== undefined) await page.fill('input[name=sessionToken]', who.sessionToken);
    await page.click('#sign-in-form button[type=submit]');
    await page.waitForFunction(() => /user\(s\)$/.test(document.getElementById('status')?.textContent ?? ''));
    const sent: string[] = [];
    page.on('request', (r) => sent.push(new URL(r.url()).pathname));
    return { page, sent, problems };
  }

  it('signs out when the session it was opened with expires, at the next tick, saying when and why', async () => {
    const { page, problems } = await signedIn(session);
    try {
      const left = session.expiration - (await page.evaluate(() => Date.now()));
      // Past the session's end (with the timer's 30 s), well within the 30 minutes' idle limit.
      await page.clock.runFor(left + 61_000);
      assert.equal(await page.isVisible('#console'), false, 'still signed in, the last view on screen, after the sign-in ended');
      assert.match((await page.textContent('#sign-in-status')) ?? '', ENDED);
      assert.equal(await page.evaluate(() => sessionStorage.length), 0, 'the ended sign-in is still kept in the tab');
      assert.deepEqual(problems, []);
    } finally {
      await page.close();
    }
  });

  it('a call after the end, no timer having run, is not sent: the page signs out and says why', async () => {
    const { page, sent, problems } = await signedIn(session);
    try {
      await page.clock.setSystemTime(session.expiration + 1_000);
      await page.click('nav button[data-view=groups]');
      await page.waitForSelector('#sign-in:not([hidden]), #status:has-text("group(s)"), #status.error');
      assert.deepEqual(sent.filter((p) => p === '/v1/groups'), [], 'the call was sent with an ended sign-in');
      assert.equal(await page.isVisible('#console'), false);
      assert.match((await page.textContent('#sign-in-status')) ?? '', ENDED);
      assert.deepEqual(problems, []);
    } finally {
      await page.close();
    }
  });

  it('a sign-in with a long-term key is held to its idle limit only, as before', async () => {
    const { page, problems } = await signedIn(world.server.admin);
    try {
      // Past where a 15-minute session would have ended; under the 15 minutes a signature may be off the server's clock.
      await page.clock.runFor(14 * 60_000);
      await page.click('nav button[data-view=groups]');
      await page.waitForFunction(() => /group\(s\)$/.test(document.getElementById('status')?.textContent ?? ''));
      assert.equal(await page.isVisible('#console'), true);
      assert.deepEqual(problems, []);
    } finally {
      await page.close();
    }
  });
});
