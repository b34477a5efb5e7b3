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
import { reviewedAs, type UserInfo } from './support/admission.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { signedInPage, launchChromium, CHROMIUM_SKIP } from './support/console.ts';
import { startTestServer, type TestServer } from './support/server.ts';

type Browser = import('playwright-core').Browser;
type Json = Record<string, unknown>;
declare const document: { getElementById(id: string): { textContent: string | null } | null };

describe('web console review wc4: the Jobs view shows which pod jobs are provisional', { skip: CHROMIUM_SKIP }, () => {
  let server: TestServer;
  let browser: Browser;
  let bearer = '';
  let scientist: UserInfo;
  const pods = new Map<string, { id: string; env: Record<string, string> }>();
  const doc = (kind: string, name: string, spec: Json) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name }, spec });
  let uid = 0;
  async function admit(name: string): Promise<void> {
    const object = { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'ml', annotations: { 'gatehouse.dev/role': 'Trainer' } }, spec: { containers: [{ name: 'c', image: 'trainer:v1' }] } };
    const request = { uid: `00000000-0000-4000-8000-${String(++uid).padStart(12, '0')}`, kind: { group: '', version: 'v1', kind: 'Pod' }, resource: { group: '', version: 'v1', resource: 'pods' }, name, namespace: 'ml', operation: 'CREATE', userInfo: scientist, object, oldObject: null, dryRun: false };
    const r = await fetch(`${server.url}/k8s/k1/admit`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${bearer}` }, body: JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request }) });
    const response = ((await r.json()) as Json)['response'] as Json;
    assert.equal(response['allowed'], true, JSON.stringify(response));
    const patch = JSON.parse(Buffer.from(String(response['patch']), 'base64').toString('utf8')) as { path: string; value: unknown }[];
    const env: Record<string, string> = {};
    for (const op of patch) if (op.path === '/spec/containers/0/env') for (const e of op.value as { name: string; value: string }[]) env[e.name] = e.value;
    pods.set(name, { id: env['GATEHOUSE_JOB_ID'] ?? assert.fail(JSON.stringify(patch)), env });
  }
  const podJob = (name: string): string => pods.get(name)?.id ?? assert.fail(`no pod ${name}`);

  before(async () => {
    server = await startTestServer();
    const acct = server.adminFile.AccountId;
    const passAll = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iam:PassRole', Resource: '*' }] };
    const applied = await gatehouseJson(server.url, server.admin, 'POST', '/v1/apply', {
      documents: [
        doc('Cluster', 'k1', {}),
        doc('Role', 'Trainer', { trustPolicy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { Service: 'compute.gatehouse.dev' } }] } }),
        doc('User', 'scientist', { inlinePolicies: { pass: passAll } }),
        doc('AccessEntry', 'scientist', { cluster: 'k1', principalArn: `arn:aws:iam::${acct}:user/scientist`, kubernetesGroups: ['devs'] }),
      ],
    });
    assert.equal(applied.status, 200, JSON.stringify(applied.json));
    const config = await gatehouseJson(server.url, server.admin, 'POST', '/v1/clusters/k1/webhook-config', {});
    assert.equal(config.status, 200, JSON.stringify(config.json));
    bearer = String(config.json['token']);
    scientist = await reviewedAs(server, 'k1', bearer, 'scientist');
    await admit('asked');
    await admit('silent');
    const env = pods.get('asked')?.env ?? {};
    const r = await fetch(env['AWS_CONTAINER_CREDENTIALS_FULL_URI'] ?? '', { headers: { authorization: env['AWS_CONTAINER_AUTHORIZATION_TOKEN'] ?? '' } });
    assert.equal(r.status, 200, await r.text());
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
