/**
 * Review of the web console (review gz, 4): the audit view could not answer "what did this role do".
 *
 * What was wrong: the view's filters were Principal, Action, Decision, Since and Until. Records name a role's sessions
 * by their session ARN (`arn:aws:sts::A:assumed-role/ROLE/SESSION`, the session's name chosen by whoever assumed it)
 * and carry the role's ARN apart, which `GET /v1/audit?role=` and `gatehouse audit query --role` filter on. The view had
 * no Role filter; the role's ARN typed as Principal matched no record and the view said `0 record(s)`, as if the role
 * had never been assumed nor changed; and its own hint, for a name, asked for one session's ARN, which an auditor
 * looking for the role's sessions does not know.
 *
 * What is now so: the view has Role (the role's ARN) and Job filters, as the API and the CLI; a role's ARN given as
 * Principal that matches nothing is said to be a role, with the Role filter to use; the hint for a name names Role; a
 * name given as Role is refused, with the ARN to give, as `gatehouse audit query --role NAME` is.
 *
 * Chromium through playwright-core (skipped when chromium is absent), against a real server.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import * as S from '@aws-sdk/client-sts';
import { signedInPage, launchChromium, CHROMIUM_SKIP } from './support/console.ts';
import { startTestServer, type TestServer } from './support/server.ts';

type Browser = import('playwright-core').Browser;
type Page = import('playwright-core').Page;
declare const document: { getElementById(id: string): { textContent: string | null } | null };

const ROLE = 'arn:aws:iam::000000000000:role/trainer';

describe('web console review gz4: the audit view filters by role', { skip: CHROMIUM_SKIP }, () => {
  let server: TestServer;
  let browser: Browser;

  before(async () => {
    server = await startTestServer();
    const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::000000000000:root' }, Action: 'sts:AssumeRole' }] };
    await server.iam().send(new I.CreateRoleCommand({ RoleName: 'trainer', AssumeRolePolicyDocument: JSON.stringify(trust) }));
    await server.sts().send(new S.AssumeRoleCommand({ RoleArn: ROLE, RoleSessionName: 'nightly-run-41' }));
    assert.equal(await server.running.app.audit.flush(), true);
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  /** The audit view queried with `fields` (every other filter emptied, Since kept); its status line once it answered. */
  async function query(page: Page, fields: Record<string, string>): Promise<string> {
    for (const name of ['principal', 'role', 'job', 'action']) await page.fill(`#audit-form input[name=${name}]`, fields[name] ?? '');
    await page.evaluate(() => {
      const status = document.getElementById('status');
      if (status) status.textContent = '';
    });
    await page.click('#audit-form button[type=submit]');
    await page.waitForFunction(() => /record\(s\)/.test(document.getElementById('status')?.textContent ?? '') || (document.getElementById('status') as unknown as { className: string }).className === 'error');
    return (await page.textContent('#status')) ?? '';
  }

  it('Role finds the role\'s records; its ARN as Principal says to use Role', async () => {
    const { page, problems } = await signedInPage(browser, server.url, server.admin);
    try {
      await page.click('nav button[data-view=audit]');
      await page.waitForFunction(() => /record\(s\)/.test(document.getElementById('status')?.textContent ?? ''));
      const byRole = await query(page, { role: ROLE });
      assert.match(byRole, /^\d+ record\(s\)$/, byRole);
      assert.doesNotMatch(byRole, /^0 /, byRole);
      const actions = await page.$$eval('#view tbody tr td:nth-child(6)', (tds) => tds.map((td) => td.textContent));
      assert.ok(actions.includes('sts:AssumeRole'), `the role's session issued is listed: ${actions.join(', ')}`);
      assert.ok(actions.includes('iam:CreateRole'), `the role's creation is listed: ${actions.join(', ')}`);

      const asPrincipal = await query(page, { principal: ROLE });
      assert.match(asPrincipal, /^0 record\(s\) for the principal/, asPrincipal);
      assert.match(asPrincipal, /Role/, asPrincipal);
      assert.ok(asPrincipal.includes(ROLE), asPrincipal);

      const roleByName = await query(page, { role: 'trainer' });
      assert.match(roleByName, /^Role takes a role's ARN, as records name it, got `trainer`; for the role named `trainer` of your account: arn:aws:iam::000000000000:role\/trainer$/, roleByName);

      const byName = await query(page, { principal: 'trainer' });
      assert.match(byName, /records name a user by its ARN/, byName);
      assert.match(byName, /Role arn:aws:iam::000000000000:role\/trainer/, byName);
      assert.deepEqual(problems, []);
    } finally {
      await page.close();
    }
  });
});
