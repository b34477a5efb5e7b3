/**
 * Review bb, 3. An item of `POST /v1/authorize:batch` that could not be decided was answered `{"error": {"code",
 * "message"}}` without the JSON path every other error of the API carries (`error.details[].path`, docs/errors.md):
 * `{"code": "REQUEST_INVALID_CONTEXT", "message": "context value of \`x\` must be …"}` did not say that the fault was
 * at `requests[2].context.x`, nor which item (only its place in `results` did), and `requests[1]` with a bad action
 * and `requests[4]` with a bad resource read alike. A resource server batching a thousand questions could not point
 * at the field to fix without re-deriving what the single API tells.
 *
 * Now each item's error also carries `path`, from the batch's root: `requests[<i>].<field>` (`requests[<i>]` when the
 * fault is the whole item, as an asker not allowed to ask about its principal); the rest of the batch is decided as
 * before. Real server (SQLite), SigV4-signed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { CreateAccessKeyCommand, CreateUserCommand, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, type TestServer } from './support/server.ts';

const ROOT = '000000000000';
const ALICE = `arn:aws:iam::${ROOT}:user/alice`;
const Q = { principal: ALICE, action: 's3:GetObject', resource: 'arn:aws:s3:::b/k' };
let s: TestServer;

before(async () => {
  s = await startTestServer();
  await s.iam().send(new CreateUserCommand({ UserName: 'alice' }));
  await s.iam().send(new PutUserPolicyCommand({ UserName: 'alice', PolicyName: 'p', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:Get*', Resource: '*' }] }) }));
});
after(() => s?.stop());

type Item = { decision?: string; error?: { code?: string; message?: string; path?: string } };

test('each item that cannot be decided says where, from the batch’s root; the others are decided', async () => {
  const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/authorize:batch', {
    requests: [
      Q,
      { ...Q, action: 's3:*' },
      { ...Q, context: { 'svc:x': { nested: true } } },
      { ...Q, context: { 'aws:SourceIp': 'not-an-ip' } },
      { ...Q, resource: 'bucket/k' },
      { ...Q, principal: `arn:aws:iam::${ROOT}:user/nobody` },
      { ...Q, principal: 'not-an-arn' },
      { ...Q, extra: 1 },
      7,
      { ...Q, resource: 'arn:aws:s3:::b/other' },
    ],
  });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  const results = r.json['results'] as Item[];
  const paths = results.map((x) => (x.error !== undefined ? `${x.error.code} ${x.error.path}` : x.decision));
  assert.deepEqual(paths, [
    'Allow',
    'REQUEST_INVALID_ACTION requests[1].action',
    'REQUEST_INVALID_CONTEXT requests[2].context.svc:x',
    'REQUEST_INVALID_CONTEXT requests[3].context.aws:SourceIp',
    'VALIDATION_ERROR requests[4].resource',
    'NO_SUCH_ENTITY requests[5].principal',
    'REQUEST_INVALID_PRINCIPAL requests[6].principal',
    'VALIDATION_ERROR requests[7].extra',
    'VALIDATION_ERROR requests[8]',
    'Allow',
  ]);
});

test('an asker refused the question about another principal: the item’s path is the item', async () => {
  await s.iam().send(new CreateUserCommand({ UserName: 'bob' }));
  const k = await s.iam().send(new CreateAccessKeyCommand({ UserName: 'bob' }));
  const bob = { accessKeyId: k.AccessKey?.AccessKeyId ?? '', secretAccessKey: k.AccessKey?.SecretAccessKey ?? '' };
  const r = await gatehouseJson(s.url, bob, 'POST', '/v1/authorize:batch', { requests: [{ action: 's3:GetObject', resource: 'arn:aws:s3:::b/k' }, Q] });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  const [own, other] = r.json['results'] as Item[];
  assert.equal(own?.decision, 'ImplicitDeny', JSON.stringify(own));
  assert.equal(other?.error?.code, 'ACCESS_DENIED', JSON.stringify(other));
  assert.equal(other?.error?.path, 'requests[1]', JSON.stringify(other));
});
