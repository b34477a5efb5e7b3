/**
 * Review ej, 2 (fixed in src/app/authorize.ts `simulatedTime`). A simulation takes `aws:CurrentTime` in its context to
 * ask whether a grant that expires is still good later (review bz, 2; as `aws iam simulate-principal-policy
 * --context-entries` asks it), and `POST /v1/simulate` answers "from IAM policies, resource policies and bindings
 * together" (README §8). But only IAM's conditions read that time: the bindings engine decided `request.time` (GCP's
 * CEL attribute, docs/semantics.md "Conditions are a documented subset of CEL") at the server's clock. Asked at 2031, a
 * binding under `request.time < timestamp("2030-01-01T00:00:00Z")` was answered "condition holds", Allow, while an IAM
 * statement under `DateLessThan aws:CurrentTime 2030-01-01T00:00:00Z` was not; a binding that starts in 2031 was never
 * found good, whatever time was asked.
 *
 * Now the time a simulation gives (`aws:CurrentTime`, else `aws:EpochTime`, either dialect) is the request's time, which
 * every engine decides at. `/v1/authorize` still ignores both keys (the time of a real request is the server's).
 * Real server (SQLite), SDK v3 IAM, SigV4-signed /v1/ calls. Before the fix, 3 of the 4 tests failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, type TestServer } from './support/server.ts';

const A = '000000000000';
const BOB = `arn:aws:iam::${A}:user/bob`;
const UNTIL = 'arn:aws:s3:::ej2-until-2030';
const FROM = 'arn:aws:s3:::ej2-from-2031';
const IAM_UNTIL = 'arn:aws:s3:::ej2-iam-until-2030';

let server: TestServer;

type Answer = { decision?: string; diagnostics?: string[]; reasons?: string[] };

before(async () => {
  server = await startTestServer();
  const iam = server.iam();
  await iam.send(new I.CreateUserCommand({ UserName: 'bob' }));
  await iam.send(new I.PutUserPolicyCommand({
    UserName: 'bob',
    PolicyName: 'until-2030',
    PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: `${IAM_UNTIL}/*`, Condition: { DateLessThan: { 'aws:CurrentTime': '2030-01-01T00:00:00Z' } } }] }),
  }));
  const bind = async (resource: string, title: string, expression: string): Promise<void> => {
    const r = await gatehouseJson(server.url, server.admin, 'PUT', '/v1/iam-policies', { resource, bindings: [{ role: 'roles/storage.objectViewer', members: ['user:bob'], condition: { title, expression } }] });
    assert.equal(r.status, 200, JSON.stringify(r.json));
  };
  await bind(UNTIL, 'until 2030', 'request.time < timestamp("2030-01-01T00:00:00Z")');
  await bind(FROM, 'from 2031', 'request.time >= timestamp("2031-01-01T00:00:00Z")');
});
after(() => server?.stop());

const ask = async (path: string, resource: string, context?: Record<string, string>): Promise<Answer> => {
  const r = await gatehouseJson(server.url, server.admin, 'POST', path, { principal: BOB, action: 's3:GetObject', resource: `${resource}/k`, ...(context !== undefined ? { context } : {}) });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return r.json as Answer;
};

test('a simulation in 2031 finds the binding that ends in 2030 over, as it finds the IAM statement that ends then', async () => {
  const at = { 'aws:CurrentTime': '2031-06-01T00:00:00Z' };
  assert.equal((await ask('/v1/simulate', IAM_UNTIL, at)).decision, 'ImplicitDeny');
  const binding = await ask('/v1/simulate', UNTIL, at);
  assert.equal(binding.decision, 'ImplicitDeny', JSON.stringify(binding));
  assert.ok(binding.diagnostics?.some((d) => d.includes('condition "until 2030"') && d.includes('is false for this request')), JSON.stringify(binding));
  // Today both still hold.
  assert.equal((await ask('/v1/simulate', UNTIL)).decision, 'Allow');
  assert.equal((await ask('/v1/simulate', IAM_UNTIL)).decision, 'Allow');
});

test('a simulation in 2032 finds the binding that starts in 2031 good', async () => {
  const grant = await ask('/v1/simulate', FROM, { 'aws:CurrentTime': '2032-01-01T00:00:00Z' });
  assert.equal(grant.decision, 'Allow', JSON.stringify(grant));
  assert.ok(grant.reasons?.some((r) => r.includes('condition "from 2031" holds')), JSON.stringify(grant));
  assert.equal((await ask('/v1/simulate', FROM)).decision, 'ImplicitDeny');
});

test('aws:EpochTime and RAM’s acs:CurrentTime give the time too', async () => {
  assert.equal((await ask('/v1/simulate', FROM, { 'aws:EpochTime': String(Date.UTC(2032, 0, 1) / 1000) })).decision, 'Allow');
  assert.equal((await ask('/v1/simulate', FROM, { 'acs:CurrentTime': '2032-01-01T00:00:00Z' })).decision, 'Allow');
});

test('the authorize API decides at the server’s time, whatever the context says', async () => {
  const a = await ask('/v1/authorize', UNTIL, { 'aws:CurrentTime': '2031-06-01T00:00:00Z' });
  assert.equal(a.decision, 'Allow', JSON.stringify(a));
  assert.ok(a.diagnostics?.some((d) => d.includes('`aws:CurrentTime`') && d.includes('ignored')), JSON.stringify(a));
  assert.equal((await ask('/v1/authorize', FROM, { 'aws:CurrentTime': '2032-01-01T00:00:00Z' })).decision, 'ImplicitDeny');
});
