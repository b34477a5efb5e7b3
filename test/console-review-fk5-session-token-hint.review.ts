/**
 * Review fk, 5: a temporary key signed in without its session token was refused in words about a token nobody sent.
 *
 * What was wrong: the sign-in form takes a session token for temporary credentials only. An engineer who pasted the
 * access key id and secret of `aws sts assume-role`'s answer and not its (long) session token read
 * `sign-in refused: InvalidClientTokenId: The security token included in the request is invalid.`: the request had no
 * token, and nothing said the field was missing. A long-term key (`AKIA…`) with a session token pasted beside it read
 * the same. The server answers both as AWS does, and should; the console knew which case it was and said nothing.
 *
 * What is now so: a refused sign-in with a temporary key id (`ASIA…`) and no token says to fill in Session token; one
 * with a long-term key id and a token says to leave it empty. Other refusals read as before.
 *
 * Chromium through playwright-core (skipped when chromium is absent), against a real server; the session is
 * AssumeRole's through the real SDK v3 STS client.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { CHROMIUM_SKIP, launchChromium } from './support/console.ts';
import { startTestServer, type Credentials, type TestServer } from './support/server.ts';

type Browser = import('playwright-core').Browser;

const ROOT = '000000000000';

describe('web console review fk5: a refused sign-in says when the session token is missing or extra', { skip: CHROMIUM_SKIP }, () => {
  let server: TestServer;
  let browser: Browser;
  let session: Required<Credentials>;

  before(async () => {
    server = await startTestServer();
    await server.iam().send(
      new I.CreateRoleCommand({ RoleName: 'fk5', AssumeRolePolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ROOT}:root` }, Action: 'sts:AssumeRole' }] }) }),
    );
    const c = (await server.sts().send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ROOT}:role/fk5`, RoleSessionName: 'fk5-session' }))).Credentials!;
    session = { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken! };
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  /** What the sign-in form says after signing in with `who` (and `token` in Session token, if any). */
  async function refusal(accessKeyId: string, secretAccessKey: string, token?: string): Promise<string> {
    const page = await browser.newPage();
    page.setDefaultTimeout(15_000);
    try {
      await page.goto(`${server.url}/ui/`);
      await page.fill('input[name=accessKeyId]', accessKeyId);
      await page.fill('input[name=secretAccessKey]', secretAccessKey);
      if (token !== undefined) await page.fill('input[name=sessionToken]', token);
      await page.click('#sign-in-form button[type=submit]');
      await page.waitForSelector('#sign-in-status:not(:empty), #who:not([hidden])');
      assert.equal(await page.isVisible('#console'), false, 'signed in');
      return (await page.textContent('#sign-in-status')) ?? '';
    } finally {
      await page.close();
    }
  }

  it('a temporary key without its session token: fill in Session token', async () => {
    assert.match(session.accessKeyId, /^ASIA/);
    assert.equal(
      await refusal(session.accessKeyId, session.secretAccessKey),
      'sign-in refused: InvalidClientTokenId: The security token included in the request is invalid. (the access key id ASIA… is of temporary credentials, which are used with their session token: fill in Session token)',
    );
  });

  it('a long-term key with a session token: leave Session token empty', async () => {
    assert.equal(
      await refusal(server.admin.accessKeyId, server.admin.secretAccessKey, session.sessionToken),
      'sign-in refused: InvalidClientTokenId: The security token included in the request is invalid. (the access key id AKIA… is a long-term key, which takes no session token: leave Session token empty)',
    );
  });

  it('a temporary key with a token that is not its own: the refusal alone', async () => {
    assert.equal(await refusal(session.accessKeyId, session.secretAccessKey, `${session.sessionToken.slice(0, -8)}AAAAAAAA`), 'sign-in refused: InvalidClientTokenId: The security token included in the request is invalid.');
  });
});
