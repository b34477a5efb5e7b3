/**
 * Review kx, 2: the console's Escalation paths and Who can views (and `gatehouse escalation-paths`, `gatehouse who-can`,
 * whose words they share) named a user or role by what follows the last `:` of its ARN. IAM paths may hold a colon
 * (`/ops:role/`: any of `\u0021`–`\u007E`, as this server takes them), so the user `arn:aws:iam::…:user/ops:role/carol`
 * was shown as `role/carol`: a user read as a role, at another path, in the very report an auditor reads to see who can
 * become an administrator. Names are now the ARN's resource part, everything after its fifth `:` (`user/ops:role/carol`);
 * what is not an ARN is shown as before.
 *
 * Chromium through playwright-core (skipped when chromium is absent), against a real server; the CLI in process.
 *
 * Before the fix 2 of 2 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CreateUserCommand, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { signedInPage, launchChromium, CHROMIUM_SKIP } from './support/console.ts';
import { cliAgainst, startTestServer, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

const ROOT = '000000000000';
const doc = (kind: string, name: string, spec: Record<string, unknown>) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name }, spec });
const inline = (...Statement: Record<string, unknown>[]) => ({ Version: '2012-10-17', Statement });
const CAROL = `arn:aws:iam::${ROOT}:user/ops:role/carol`;
const ADMIN = `arn:aws:iam::${ROOT}:role/admin`;

type Browser = import('playwright-core').Browser;
declare const document: { getElementById(id: string): { textContent: string | null } | null };

describe('web console review kx2: a user or role whose path holds a colon is named whole', { skip: CHROMIUM_SKIP }, () => {
  let server: TestServer;
  let browser: Browser;

  before(async () => {
    server = await startTestServer();
    // Apply names no path: the user is made through IAM, as `aws iam create-user --path` makes it.
    await server.iam().send(new CreateUserCommand({ UserName: 'carol', Path: '/ops:role/' }));
    await server.iam().send(new PutUserPolicyCommand({ UserName: 'carol', PolicyName: 'assume', PolicyDocument: JSON.stringify(inline({ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: ADMIN })) }));
    const applied = await gatehouseJson(server.url, server.admin, 'POST', '/v1/apply', {
      documents: [
        doc('Role', 'admin', {
          trustPolicy: inline({ Effect: 'Allow', Principal: { AWS: CAROL }, Action: 'sts:AssumeRole' }),
          inlinePolicies: { all: inline({ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::vault/*' }) },
        }),
      ],
    });
    assert.equal(applied.status, 200, JSON.stringify(applied.json));
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('the Escalation paths view and `gatehouse escalation-paths` name carol as the user she is', async () => {
    const cli = await cliAgainst(server, ['escalation-paths', '--principal', CAROL]);
    assert.equal(cli.status, 0, cli.out + cli.err);
    assert.equal(cli.out.split('\n')[0], 'user/ops:role/carol', cli.out);
    const { page, problems } = await signedInPage(browser, server.url, server.admin);
    try {
      await page.click('nav button[data-view=escalation]');
      await page.waitForSelector('#escalation-form', { state: 'visible' });
      await page.fill('#escalation-form input[name=principal]', CAROL);
      await page.click('#escalation-form button[type=submit]');
      await page.waitForFunction(() => /can come to any right/.test(document.getElementById('status')?.textContent ?? ''));
      const cells = await page.$$eval('#view tbody tr td', (tds) => tds.map((td) => td.textContent ?? ''));
      assert.equal(cells[0], 'user/ops:role/carol');
      assert.match(cells[2] ?? '', /^role\/admin → role\/admin \(sts:AssumeRole\)$/);
      assert.deepEqual(problems, []);
    } finally {
      await page.close();
    }
  });

  it('the Who can view and `gatehouse who-can` name the way through the role with carol whole', async () => {
    const cli = await cliAgainst(server, ['who-can', '--action', 's3:GetObject', '--resource', 'arn:aws:s3:::vault/a']);
    assert.equal(cli.status, 0, cli.out + cli.err);
    assert.match(cli.out, /user\/ops:role\/carol -\(sts:AssumeRole\)-> role\/admin/, cli.out);
    const { page, problems } = await signedInPage(browser, server.url, server.admin);
    try {
      await page.click('nav button[data-view=whoCan]');
      await page.fill('#who-can-form input[name=resource]', 'arn:aws:s3:::vault/a');
      await page.click('#who-can-form button[type=submit]');
      await page.waitForFunction(() => /principal\(s\) allowed/.test(document.getElementById('status')?.textContent ?? ''));
      const paths = await page.$$eval('#view table:nth-of-type(2) tbody tr td:nth-child(4)', (tds) => tds.map((td) => td.textContent ?? ''));
      assert.ok(paths.includes('user/ops:role/carol -(sts:AssumeRole)-> role/admin'), paths.join('\n'));
      assert.ok(!paths.some((p) => p.startsWith('role/carol')), paths.join('\n'));
      assert.deepEqual(problems, []);
    } finally {
      await page.close();
    }
  });
});
