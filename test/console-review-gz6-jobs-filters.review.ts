/**
 * Review of the web console (review gz, 6): the Jobs view could not be narrowed, and past 10,000 jobs it never showed the
 * ones running.
 *
 * What was wrong: the view read `GET /v1/jobs` oldest first, every page, up to 10,000 jobs, with no filter. A training
 * server that had run more than 10,000 jobs showed the oldest 10,000, all long ended, and told the operator to use
 * `gatehouse jobs list --state Running` in a terminal: the live jobs, what the view is opened for, were out of its
 * reach for good. The API filters by workspace and state (`?workspace=&state=`); the view offered neither.
 *
 * What is now so: the view has Workspace and State filters, sent to the API, and its "more follow" line names them; a
 * Workspace that names no workspace of the account, and lists nothing, is said to be none, as `gatehouse jobs list` says.
 *
 * Chromium through playwright-core (skipped when chromium is absent), against a real server.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gatehouseJson } from './support/resource-server.ts';
import { signedInPage, launchChromium, CHROMIUM_SKIP } from './support/console.ts';
import { cliAgainst, startTestServer, type TestServer } from './support/server.ts';

type Browser = import('playwright-core').Browser;
type Page = import('playwright-core').Page;
declare const document: { getElementById(id: string): { textContent: string | null; className: string } | null };

describe('web console review gz6: the Jobs view filters by workspace and state', { skip: CHROMIUM_SKIP }, () => {
  let server: TestServer;
  let browser: Browser;
  const running: string[] = [];

  before(async () => {
    server = await startTestServer();
    const file = join(server.dataDir, 'workspaces.yaml');
    const ws = (name: string) => `apiVersion: gatehouse.dev/v1\nkind: Workspace\nmetadata: {name: ${name}}\nspec:\n  members: [{user: admin}]\n  defaultBucket: arn:aws:s3:::${name}-data\n`;
    await writeFile(file, `${ws('vision')}---\n${ws('speech')}`);
    const applied = await cliAgainst(server, ['apply', '-f', file]);
    assert.equal(applied.status, 0, applied.err);
    // vision: two stopped, one live (Queued: no launcher runs it); speech: one live.
    for (const [workspace, stop] of [['vision', true], ['vision', true], ['vision', false], ['speech', false]] as const) {
      const r = await gatehouseJson(server.url, server.admin, 'POST', '/v1/jobs', { workspace, role: 'none', name: `${workspace}-job` });
      assert.equal(r.status, 201, JSON.stringify(r.json));
      const id = (r.json['job'] as { id: string }).id;
      if (stop) assert.equal((await gatehouseJson(server.url, server.admin, 'POST', `/v1/jobs/${id}/stop`, {})).status, 200);
      else if (workspace === 'vision') running.push(id);
    }
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  async function list(page: Page, workspace: string, state: string): Promise<{ status: string; ids: (string | null)[] }> {
    await page.fill('#jobs-form input[name=workspace]', workspace);
    await page.selectOption('#jobs-form select[name=state]', state);
    await page.evaluate(() => {
      const status = document.getElementById('status');
      if (status) status.textContent = '';
    });
    await page.click('#jobs-form button[type=submit]');
    await page.waitForFunction(() => /job\(s\)/.test(document.getElementById('status')?.textContent ?? '') || document.getElementById('status')?.className === 'error');
    return { status: (await page.textContent('#status')) ?? '', ids: await page.$$eval('#view tbody tr td:first-child', (tds) => tds.map((td) => td.textContent)) };
  }

  it('State Queued and Workspace vision list the live job of vision alone', async () => {
    const { page, problems } = await signedInPage(browser, server.url, server.admin);
    try {
      await page.click('nav button[data-view=jobs]');
      await page.waitForFunction(() => /job\(s\)/.test(document.getElementById('status')?.textContent ?? ''));
      assert.match((await page.textContent('#status')) ?? '', /^4 job\(s\)/);
      const live = await list(page, 'vision', 'Queued');
      assert.deepEqual(live.ids, running, live.status);
      assert.match(live.status, /^1 job\(s\)/);
      const stopped = await list(page, '', 'Stopped');
      assert.equal(stopped.ids.length, 2, stopped.status);
      const speech = await list(page, 'speech', '');
      assert.equal(speech.ids.length, 1, speech.status);
      const typo = await list(page, 'visoin', '');
      assert.deepEqual(typo.ids, []);
      assert.equal(typo.status, '0 job(s): there is no workspace `visoin` in your account (jobs of a deleted workspace keep its name)');
      assert.deepEqual(problems, []);
    } finally {
      await page.close();
    }
  });
});
