/**
 * Review B8: an IAM policy on an ARN with a wildcard (`arn:aws:s3:::pub/*`) was stored and granted nothing,
 * silently: a policy attaches to one resource (and covers what lies under it), so the binding was on a resource of
 * that literal name that no request names, and `s3:GetObject` on `arn:aws:s3:::pub/a.txt` stayed ImplicitDeny. Such a
 * write is now refused, naming the resource to attach to instead; reading one stored before, and removing it, still
 * work. Real server, AWS SDK v3 IAM client, SigV4-signed /v1/ calls.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { startTestServer, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

let server: TestServer;

before(async () => {
  server = await startTestServer();
  await server.iam().send(new I.CreateUserCommand({ UserName: 'carl' }));
});
after(async () => {
  await server?.stop();
});

const put = (resource: string, bindings: unknown[]) => gatehouseJson(server.url, server.admin, 'PUT', '/v1/iam-policies', { resource, bindings });

test('a policy on an ARN with a wildcard is refused, naming where to attach it', async () => {
  const r = await put('arn:aws:s3:::pub/*', [{ role: 'roles/storage.objectViewer', members: ['user:carl'] }]);
  assert.equal(r.status, 400, JSON.stringify(r.json));
  const detail = (r.json['error'] as { details: { path: string; message: string }[] }).details[0];
  assert.equal(detail?.path, 'resource');
  assert.match(detail?.message ?? '', /has a wildcard.*attach the policy to `arn:aws:s3:::pub`/);
  const model = await put('arn:aws:training::000000000000:model/*', [{ role: 'roles/ml.viewer', members: ['user:carl'] }]);
  assert.equal(model.status, 400, JSON.stringify(model.json));
  for (const [resource, says] of [
    ['arn:aws:s3:::pub/a?c', /attach the policy to `arn:aws:s3:::pub`/],
    ['arn:aws:s3:::*', /attach the policy to `account\/<id>`/],
    ['arn:aws:training:*:000000000000:model/m', /wildcard before its resource part/],
  ] as const) {
    const w = await put(resource, [{ role: 'roles/storage.objectViewer', members: ['user:carl'] }]);
    assert.equal(w.status, 400, JSON.stringify(w.json));
    assert.match(JSON.stringify(w.json), says);
  }
  // The same resource can still be read (nothing there), and emptied.
  assert.equal((await gatehouseJson(server.url, server.admin, 'GET', `/v1/iam-policies?resource=${encodeURIComponent('arn:aws:s3:::pub/*')}`)).status, 200);
  assert.equal((await put('arn:aws:s3:::pub/*', [])).status, 200);
  // OSS ARNs keep their `*` region and account fields, and the bucket itself takes the policy.
  assert.equal((await put('acs:oss:*:*:pub/a.tar', [{ role: 'roles/storage.objectViewer', members: ['user:carl'] }])).status, 200);
  assert.equal((await put('arn:aws:s3:::pub', [{ role: 'roles/storage.objectViewer', members: ['user:carl'] }])).status, 200);
});
