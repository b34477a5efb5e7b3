/**
 * Review dx, 2: who-can's `through` lists (review dv, 2) carry each step as escalation-paths gives it, `via` included
 * (the workspace of a job, the cluster of a node or pod a role is passed to), but `gatehouse who-can` and the console's
 * "Who can" view printed a PassRole step as `-(iam:PassRole to a training job)-> role/trainer`: where it happens was
 * left out, though escalation-paths' own view and CLI say `in workspace/lab`. Both now print the step with `in <where>`.
 * Before the change both tests failed (no `in workspace/lab`). A real server on 127.0.0.1, the CLI in process, and the
 * console in Debian's Chromium through playwright-core (the console test is skipped when chromium is absent).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { askWhoCan, signedInPage, launchChromium, CHROMIUM_SKIP } from './support/console.ts';
import { cliAgainst, startTestServer, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

const ROOT = '000000000000';
const OBJECT = 'arn:aws:s3:::dx2/k';
const doc = (kind: string, name: string, spec: Record<string, unknown>) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name }, spec });
const inline = (...Statement: Record<string, unknown>[]) => ({ Version: '2012-10-17', Statement });
const STEP = 'user/sci -(iam:PassRole to a training job in workspace/lab)-> role/trainer';

interface TableLike {
  readonly caption: { textContent: string | null } | null;
  readonly tBodies: ArrayLike<{ rows: ArrayLike<{ cells: ArrayLike<{ textContent: string | null }> }> }>;
}

let server: TestServer;

before(async () => {
  server = await startTestServer();
  const applied = await gatehouseJson(server.url, server.admin, 'POST', '/v1/apply', {
    documents: [
      // trainer may read the object and trusts the training service only: sci reaches it by passing trainer to a job.
      doc('Role', 'trainer', { trustPolicy: inline({ Effect: 'Allow', Principal: { Service: 'training.gatehouse.dev' }, Action: 'sts:AssumeRole' }), inlinePolicies: { read: inline({ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::dx2/*' }) } }),
      doc('User', 'sci', { inlinePolicies: { jobs: inline({ Effect: 'Allow', Action: 'training:CreateJob', Resource: '*' }, { Effect: 'Allow', Action: 'iam:PassRole', Resource: `arn:aws:iam::${ROOT}:role/trainer` }) } }),
      doc('Workspace', 'lab', { members: [{ user: 'sci' }] }),
    ],
  });
  assert.equal(applied.status, 200, JSON.stringify(applied.json));
});
after(() => server?.stop());

describe('review dx2: a PassRole step of who-can\'s through lists says where, in the CLI and the console', () => {
  it('gatehouse who-can prints the step with `in workspace/lab`', async () => {
    const cli = await cliAgainst(server, ['who-can', '--action', 's3:GetObject', '--resource', OBJECT]);
    assert.equal(cli.status, 0, cli.out + cli.err);
    assert.match(cli.out, new RegExp(`^user +sci +role/trainer +${STEP.replace(/[()]/g, '\\$&')}$`, 'm'), cli.out);
  });

  it('the console\'s Who can view shows it in the through table', { skip: CHROMIUM_SKIP }, async () => {
    const browser = await launchChromium();
    try {
      const { page, problems } = await signedInPage(browser, server.url, server.admin);
      await askWhoCan(page, OBJECT);
      const rows = await page.$$eval('#view table', (ts) =>
        (ts as unknown as TableLike[]).filter((t) => /through the roles/.test(t.caption?.textContent ?? '')).flatMap((t) => Array.from(t.tBodies[0]?.rows ?? [], (r) => Array.from(r.cells, (c) => c.textContent ?? ''))),
      );
      assert.deepEqual(rows.find((cells) => cells[1] === 'sci'), ['user', 'sci', 'role/trainer', STEP], JSON.stringify(rows));
      assert.deepEqual(problems, []);
      await page.close();
    } finally {
      await browser.close();
    }
  });
});
