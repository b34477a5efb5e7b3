/**
 * Review wc, 4 (a second review of review vw, 1): the web console's Jobs view printed a provisional pod job (one whose
 * pod has not asked for credentials yet: kube-apiserver may have refused the pod after the webhook) as any running job,
 * `Running`, though the API answers `pod.provisional` and the admission refusal past an account's provisional pod jobs
 * tells the operator to find and stop those of pods that do not exist. Its state cell now says `Running (provisional)`,
 * as `gatehouse jobs list` does (review wc, 3); a confirmed pod job's says `Running`.
 *
 * Chromium through playwright-core (skipped when chromium is absent), against a real server; AdmissionReviews as
 * kube-apiserver sends them.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { podAdmissionWorld } from './support/pod-admission.ts';
import { signedInPage, launchChromium, CHROMIUM_SKIP } from './support/console.ts';
import type { TestServer } from './support/server.ts';

type Browser = import('playwright-core').Browser;
declare const document: { getElementById(id: string): { textContent: string | null } | null };

describe('web console review wc4: the Jobs view shows which pod jobs are provisional', { skip: CHROMIUM_SKIP }, () => {
  let server: TestServer;
  let browser: Browser;
  let podJob: (name: string) => string;
  before(async () => {
    const world = await podAdmissionWorld();
    server = world.server;
    podJob = world.podJob;
    await world.admitted('asked');
    await world.admitted('silent');
    const r = await world.fetchCredentials('asked');
    assert.equal(r.status, 200, r.body);
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('a provisional pod job’s state cell says so; a confirmed one’s is Running', async () => {
    const { page, problems } = await signedInPage(browser, server.url, server.admin);
    try {
      await page.click('nav button[data-view=jobs]');
      await page.waitForFunction(() => /job\(s\)/.test(document.getElementById('status')?.textContent ?? ''));
      // Each row's cells, by the column headers' order: id first, state sixth.
      const ids = await page.$$eval('#view tbody tr td:first-child', (tds) => tds.map((td) => td.textContent));
      const states = await page.$$eval('#view tbody tr td:nth-child(6)', (tds) => tds.map((td) => td.textContent));
      const state = (id: string): string | null | undefined => states[ids.indexOf(id)];
      assert.ok(ids.includes(podJob('silent')) && ids.includes(podJob('asked')), JSON.stringify(ids));
      assert.equal(state(podJob('silent')), 'Running (provisional)', JSON.stringify(states));
      assert.equal(state(podJob('asked')), 'Running', JSON.stringify(states));
      assert.deepEqual(problems, []);
    } finally {
      await page.close();
    }
  });
});
