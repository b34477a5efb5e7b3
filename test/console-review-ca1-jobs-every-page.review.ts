/**
 * Review of the web console (review ca, 1): the Jobs view showed the first page of `GET /v1/jobs` only.
 *
 * What was wrong: the API answers at most 100 jobs a page (oldest first) with `next` while the listing goes on, and the
 * console read one page and said `100 job(s)`. With 103 jobs, the three newest (the ones still running, those an
 * administrator opens the view for) were not on the page and nothing said that any were missing; `gatehouse jobs list`
 * listed all 103. A page may even hold none of the jobs while `next` goes on (the caller may see few of those read),
 * and the view then said `0 job(s)`.
 *
 * What is now so: the view follows `next` as the CLI does and shows every job, with the count of all of them.
 *
 * Chromium through playwright-core (skipped when chromium is absent), against a real server.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { signedInPage, launchChromium, CHROMIUM_SKIP } from './support/console.ts';
import { cliAgainst, startTestServer, type Credentials, type TestServer } from './support/server.ts';

const skip = CHROMIUM_SKIP;

const CONSOLE_JS = pathToFileURL(join(import.meta.dirname, '..', 'web', 'console.js')).href;
interface ConsoleModule {
  signRequest(r: { method: string; host: string; path: string; body?: string; credentials: Credentials }): Promise<{ url: string; headers: Record<string, string> }>;
}

type Browser = import('playwright-core').Browser;
declare const document: { getElementById(id: string): { textContent: string | null } | null };

describe('web console review ca1: the Jobs view lists every job, not the first page', { skip }, () => {
  let server: TestServer;
  let browser: Browser;
  const live: string[] = [];

  /** A call to the admin API as the root admin, signed by the console's own code. */
  async function call(method: string, path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
    const m = (await import(CONSOLE_JS)) as ConsoleModule;
    const text = body === undefined ? '' : JSON.stringify(body);
    const signed = await m.signRequest({ method, host: new URL(server.url).host, path, body: text, credentials: server.admin });
    const res = await fetch(`${server.url}${signed.url}`, { method, headers: signed.headers, ...(text !== '' ? { body: text } : {}) });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  }

  before(async () => {
    server = await startTestServer();
    const file = join(server.dataDir, 'workspace.yaml');
    await writeFile(file, 'apiVersion: gatehouse.dev/v1\nkind: Workspace\nmetadata: {name: ca1}\nspec:\n  members: [{user: admin}]\n  defaultBucket: arn:aws:s3:::ca1-data\n');
    const applied = await cliAgainst(server, ['apply', '-f', file]);
    assert.equal(applied.status, 0, applied.err);
    // 103 jobs: the first 100 stopped, the three newest still live.
    for (let i = 0; i < 103; i++) {
      const r = await call('POST', '/v1/jobs', { workspace: 'ca1', role: 'none', name: `job-${i}` });
      assert.equal(r.status, 201, JSON.stringify(r.json));
      const id = (r.json['job'] as { id: string }).id;
      if (i < 100) assert.equal((await call('POST', `/v1/jobs/${id}/stop`)).status, 200);
      else live.push(id);
    }
    const first = await call('GET', '/v1/jobs');
    assert.equal((first.json['jobs'] as unknown[]).length, 100, 'the API pages at 100 jobs');
    assert.equal(typeof first.json['next'], 'string', 'and says more follow');
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('shows all 103 jobs, the live ones among them, and counts them all', async () => {
    const { page, problems } = await signedInPage(browser, server.url, server.admin, 15_000);
    try {
      await page.click('nav button[data-view=jobs]');
      await page.waitForFunction(() => /job\(s\)/.test(document.getElementById('status')?.textContent ?? ''));
      const ids = await page.$$eval('#view tbody tr td:first-child', (tds) => tds.map((td) => td.textContent));
      assert.equal(ids.length, 103, `the view shows ${ids.length} of the 103 jobs`);
      for (const id of live) assert.ok(ids.includes(id), `live job ${id} is missing from the view`);
      assert.match((await page.textContent('#status')) ?? '', /^103 job\(s\)/);
      assert.deepEqual(problems, []);
    } finally {
      await page.close();
    }
  });
});
