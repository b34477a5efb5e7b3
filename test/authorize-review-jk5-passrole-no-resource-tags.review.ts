/**
 * Review jk, 5. `iam:PassRole` carries no resource tag: the reference (§A.1.9, from AWS's "Granting a user permissions to
 * pass a role") says `ResourceTag` conditions on the role are not supported for PassRole, and Gatehouse's own
 * enforcement (job submission, a cluster's node roles, apply) decides PassRole with `iam:PassedToService`,
 * `iam:AssociatedResourceArn` and the request's facts alone. The authorize API decided an asker's question about PassRole
 * (or its bindings' spelling, `iam.serviceAccounts.actAs`) with whatever `aws:ResourceTag/…` the asker wrote: a user
 * whose guard denies PassRole `StringNotEquals aws:ResourceTag/team red` is refused every submission (the key is never
 * there), and the API answered Allow when asked with `aws:ResourceTag/team: red`.
 *
 * Now the asker's resource tags (`aws:`, `iam:` and `acs:` `ResourceTag/…`) are dropped from a PassRole question, as
 * the role's are for its enforcement, and a diagnostic names them. Before the fix 1 of 2 tests failed. Real server
 * (SQLite), job submission through `POST /v1/jobs` for what enforcement does.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, type Credentials, type TestServer } from './support/server.ts';

const ROOT = '000000000000';
const V = '2012-10-17';
const TRAINER = `arn:aws:iam::${ROOT}:role/trainer`;
const ERIN = `arn:aws:iam::${ROOT}:user/erin`;
const RED = { 'aws:ResourceTag/team': 'red' };
const doc = (kind: string, name: string, spec: Record<string, unknown>) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name }, spec });
let s: TestServer;
let erin: Credentials;

before(async () => {
  s = await startTestServer();
  const applied = await gatehouseJson(s.url, s.admin, 'POST', '/v1/apply', {
    documents: [
      doc('Role', 'trainer', { trustPolicy: { Version: V, Statement: [{ Effect: 'Allow', Principal: { Service: 'training.gatehouse.dev' }, Action: 'sts:AssumeRole' }] }, tags: { team: 'red' } }),
      doc('User', 'erin', {
        inlinePolicies: {
          submit: { Version: V, Statement: [
            { Effect: 'Allow', Action: ['training:*', 'iam:PassRole'], Resource: '*' },
            { Effect: 'Deny', Action: 'iam:PassRole', Resource: '*', Condition: { StringNotEquals: RED } },
          ] },
        },
      }),
      doc('Workspace', 'vision', { members: [{ user: 'erin' }] }),
    ],
  });
  assert.equal(applied.status, 200, JSON.stringify(applied.json));
  const k = await gatehouseJson(s.url, s.admin, 'POST', '/v1/access-keys', { userName: 'erin' });
  assert.equal(k.status, 201, JSON.stringify(k.json));
  erin = { accessKeyId: String(k.json['accessKeyId']), secretAccessKey: String(k.json['secretAccessKey']) };
});
after(() => s?.stop());

test('job submission refuses erin the role her guard denies: PassRole carries no resource tag', async () => {
  const r = await gatehouseJson(s.url, erin, 'POST', '/v1/jobs', { workspace: 'vision', role: TRAINER, imds: false });
  assert.equal(r.status, 403, JSON.stringify(r.json));
  assert.match(JSON.stringify(r.json), /check permission for ram role failed/);
});

test('the authorize API answers the same whatever resource tags the asker gives, and names those it ignored', async () => {
  const context = { 'iam:PassedToService': 'training.gatehouse.dev' };
  for (const action of ['iam:PassRole', 'iam.serviceAccounts.actAs']) {
    const plain = await gatehouseJson(s.url, s.admin, 'POST', '/v1/authorize', { principal: ERIN, action, resource: TRAINER, context });
    assert.equal(plain.json['decision'], 'ExplicitDeny', `${action}: ${JSON.stringify(plain.json)}`);
    for (const tags of [RED, { 'iam:ResourceTag/team': 'red', 'AWS:RESOURCETAG/team': 'red' }]) {
      const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/authorize', { principal: ERIN, action, resource: TRAINER, context: { ...context, ...tags } });
      assert.equal(r.status, 200, JSON.stringify(r.json));
      assert.equal(r.json['decision'], 'ExplicitDeny', `${action} with ${JSON.stringify(tags)}: ${JSON.stringify(r.json)}`);
      const notes = r.json['diagnostics'] as string[];
      for (const k of Object.keys(tags)) assert.ok(notes.some((d) => d.includes(`\`${k}\``) && d.includes('PassRole')), `${action}: ${k}: ${JSON.stringify(notes)}`);
    }
  }
});
