/**
 * Review ok, 1. `POST /v1/authorize:batch` verified every item's `principalProof` before it checked the item: a proof
 * in an item then refused unread (an unknown field, a `context` that is not an object) was still a use of its access
 * key — `GetAccessKeyLastUsed` answered a date, service `sts` — although nothing was decided about it. The single
 * `POST /v1/authorize` checks the question first (`questionOf`) and verifies its proof only then, and review mp1 fixed
 * the same class for console sign-ins: only a request that is read and verifies counts as a use. A key's last use is
 * how stale keys are found and rotated (docs/decisions.md: a refused request changes no state), so a resource server
 * sending malformed batch items kept an unused key looking alive.
 *
 * Now an item is checked before its proof is verified; a well-formed item's proof is still a use.
 * Real server (SQLite), SDK v3 IAM, the SDK's SignatureV4 presigner.
 *
 * Before the fix 2 of 3 tests failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { CreateAccessKeyCommand, CreateUserCommand, GetAccessKeyLastUsedCommand, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { gatehouseJson, identityProof } from './support/resource-server.ts';
import { startTestServer, type Credentials, type TestServer } from './support/server.ts';

let s: TestServer;
const Q = { action: 's3:GetObject', resource: 'arn:aws:s3:::b/k' };

before(async () => {
  s = await startTestServer();
});
after(() => s?.stop());

async function user(name: string): Promise<Credentials> {
  const iam = s.iam();
  await iam.send(new CreateUserCommand({ UserName: name }));
  await iam.send(new PutUserPolicyCommand({ UserName: name, PolicyName: 'p', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:Get*', Resource: '*' }] }) }));
  const k = await iam.send(new CreateAccessKeyCommand({ UserName: name }));
  return { accessKeyId: k.AccessKey?.AccessKeyId ?? '', secretAccessKey: k.AccessKey?.SecretAccessKey ?? '' };
}
const lastUsed = async (c: Credentials) => (await s.iam().send(new GetAccessKeyLastUsedCommand({ AccessKeyId: c.accessKeyId }))).AccessKeyLastUsed;

test('a batch item refused for an unknown field leaves its proof’s key unused', async () => {
  const bob = await user('bob');
  const proof = `${s.url}/?${await identityProof(s.url, bob)}`;
  const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/authorize:batch', { requests: [{ principalProof: proof, ...Q, dryRun: true }] });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  const item = (r.json['results'] as { error?: { code: string; path: string } }[])[0];
  assert.equal(item?.error?.code, 'VALIDATION_ERROR', JSON.stringify(r.json));
  assert.equal(item?.error?.path, 'requests[0].dryRun', JSON.stringify(r.json));
  const used = await lastUsed(bob);
  assert.equal(used?.LastUsedDate, undefined, `a refused item's proof was noted as a use: ${JSON.stringify(used)}`);
});

test('a batch item refused for its context leaves its proof’s key unused', async () => {
  const carol = await user('carol');
  const proof = `${s.url}/?${await identityProof(s.url, carol)}`;
  const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/authorize:batch', { requests: [{ principalProof: proof, ...Q, context: 'x' }] });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  const item = (r.json['results'] as { error?: { code: string } }[])[0];
  assert.equal(item?.error?.code, 'REQUEST_INVALID_CONTEXT', JSON.stringify(r.json));
  const used = await lastUsed(carol);
  assert.equal(used?.LastUsedDate, undefined, `a refused item's proof was noted as a use: ${JSON.stringify(used)}`);
});

test('a well-formed batch item’s proof is decided and is a use of its key', async () => {
  const dave = await user('dave');
  const proof = `${s.url}/?${await identityProof(s.url, dave)}`;
  const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/authorize:batch', { requests: [{ principalProof: proof, ...Q, context: 'x' }, { principalProof: proof, ...Q }] });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  const results = r.json['results'] as { decision?: string; error?: { code: string } }[];
  assert.equal(results[0]?.error?.code, 'REQUEST_INVALID_CONTEXT', JSON.stringify(r.json));
  assert.equal(results[1]?.decision, 'Allow', JSON.stringify(r.json));
  const used = await lastUsed(dave);
  assert.ok(used?.LastUsedDate instanceof Date, `a decided proof noted no use: ${JSON.stringify(used)}`);
  assert.equal(used?.ServiceName, 'sts');
});
