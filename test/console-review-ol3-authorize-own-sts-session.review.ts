/**
 * Review of the web console (review ol, 3): the Authorize view answered Allow, for the console's own credentials, what
 * STS refuses them.
 *
 * The contract: the view asks `POST /v1/simulate` with no principal, "you": a question naming no principal is the signed
 * request's own (src/app/authorize.ts `resolvePrincipal`), and it is "decided by the same code as enforcement" (the
 * view's own words; docs/decisions.md, "The web console is a static page that signs its own calls"). The console signs
 * with a console sign-in, which to STS is session credentials (README §7; review ik, 1): STS refuses it GetSessionToken
 * and GetFederationToken ("Cannot call GetSessionToken with session credentials", AccessDenied), as
 * docs/semantics.md rule 2 decides both ImplicitDeny (`deniedBy: identity`) "for any principal holding temporary
 * credentials" (STS API reference: GetSessionToken, GetFederationToken).
 *
 * What was wrong: a sign-in opened with a long-term key acts as that key, and the authorizer was given the key's user
 * as it is, no session: `sts:GetSessionToken` was Allow ("STS issues it to a user signing with its long-term access
 * key"), and `sts:GetFederationToken` Allow by the user's policies, while the very credentials that asked were refused
 * both by STS.
 *
 * What is now so: the principal of a console sign-in's own question carries that it is one, and the evaluator refuses it
 * the two calls, as STS does; the same user named by its ARN (a request signed with its long-term key) is still allowed.
 *
 * Before the fix 2 of 2 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { GetFederationTokenCommand } from '@aws-sdk/client-sts';
import { signedInPage, launchChromium, CHROMIUM_SKIP } from './support/console.ts';
import { sdkFailure, startTestServer, type Credentials, type TestServer } from './support/server.ts';

type Browser = import('playwright-core').Browser;
declare const document: { getElementById(id: string): { textContent: string | null; className: string } | null };
type SignRequest = (r: { method: string; host: string; path: string; body?: string; credentials: Credentials }) => Promise<{ url: string; headers: Record<string, string> }>;
const CONSOLE_JS = pathToFileURL(join(import.meta.dirname, '..', 'web', 'console.js')).href;

describe('web console review ol3: a console sign-in asked about itself is refused the STS calls STS refuses it', () => {
  let server: TestServer;
  let browser: Browser | undefined;

  before(async () => {
    server = await startTestServer();
    if (CHROMIUM_SKIP === false) browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  /** A signed call with the console's own signer. */
  async function call(method: string, path: string, credentials: Credentials, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
    const { signRequest } = (await import(CONSOLE_JS)) as { signRequest: SignRequest };
    const text = body === undefined ? '' : JSON.stringify(body);
    const signed = await signRequest({ method, host: new URL(server.url).host, path, body: text, credentials });
    const res = await fetch(`${server.url}${signed.url}`, { method, headers: signed.headers, ...(text !== '' ? { body: text } : {}) });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  }

  it('the authorize API answers a console sign-in as STS does: GetSessionToken and GetFederationToken ImplicitDeny', async () => {
    const opened = await call('POST', '/v1/console/sign-in', server.admin);
    assert.equal(opened.status, 200, JSON.stringify(opened.json));
    const { accessKeyId, secretAccessKey, sessionToken } = opened.json['credentials'] as Credentials;
    const con: Credentials = { accessKeyId, secretAccessKey, ...(sessionToken !== undefined ? { sessionToken } : {}) };
    // Enforcement: STS refuses the console's credentials.
    const refused = await sdkFailure(server.sts(con).send(new GetFederationTokenCommand({ Name: 'ol3-broker' })));
    assert.equal(refused.code, 'AccessDenied', refused.message);
    for (const route of ['/v1/authorize', '/v1/simulate']) {
      for (const [action, resource] of [
        ['sts:GetSessionToken', '*'],
        ['sts:GetFederationToken', 'arn:aws:sts::000000000000:federated-user/ol3-broker'],
      ] as const) {
        const own = await call('POST', route, con, { action, resource });
        assert.equal(own.status, 200, JSON.stringify(own.json));
        assert.equal(own.json['decision'], 'ImplicitDeny', `${route} ${action} for the console sign-in: ${JSON.stringify(own.json)}`);
        assert.match(String((own.json['reasons'] as string[])[0]), /cannot be called with session credentials/);
        // The user named by its ARN: a request signed with its long-term key, which STS takes.
        const named = await call('POST', route, con, { principal: 'arn:aws:iam::000000000000:user/admin', action, resource });
        assert.equal(named.json['decision'], 'Allow', `${route} ${action} for user/admin: ${JSON.stringify(named.json)}`);
      }
    }
  });

  it('the Authorize view, asked for you, says ImplicitDeny for sts:GetSessionToken', { skip: CHROMIUM_SKIP }, async () => {
    if (browser === undefined) return;
    const { page, problems } = await signedInPage(browser, server.url, server.admin);
    try {
      await page.click('nav button[data-view=authorize]');
      await page.fill('#authorize-form input[name=action]', 'sts:GetSessionToken');
      await page.fill('#authorize-form input[name=resource]', '*');
      await page.click('#authorize-form button[type=submit]');
      await page.waitForFunction(() => /^decided in/.test(document.getElementById('status')?.textContent ?? '') || document.getElementById('status')?.className === 'error');
      assert.equal(await page.textContent('#view .decision'), 'ImplicitDeny', (await page.textContent('#view')) ?? '');
      assert.deepEqual(problems, []);
    } finally {
      await page.close();
    }
  });
});
