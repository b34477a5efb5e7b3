/**
 * `gatehouse apply` of a ResourcePolicy refuses a wildcard ARN as `PUT /v1/resource-policies` does (policy review C6):
 * a policy is found by the request's ARN and its `/`-prefixes, never matched as a pattern, so one attached to
 * `arn:aws:s3:::data/*` governed nothing and a Deny in it was silently ignored. The refusal names `spec.resource`,
 * and nothing is written. Real server, SigV4-signed `/v1/apply`.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

let server: TestServer;
before(async () => {
  server = await startTestServer();
});
after(async () => {
  await server?.stop();
});

const policy = (resource: string) => ({
  apiVersion: 'gatehouse.dev/v1',
  kind: 'ResourcePolicy',
  metadata: { name: 'deny-data' },
  spec: { resource, document: { Version: '2012-10-17', Statement: [{ Effect: 'Deny', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::data/*' }] } },
});

test('a ResourcePolicy on a wildcard ARN is refused, naming spec.resource, and nothing is stored', async () => {
  for (const resource of ['arn:aws:s3:::data/*', 'arn:aws:s3:::dat?', 'arn:aws:s3:::*']) {
    const r = await gatehouseJson(server.url, server.admin, 'POST', '/v1/apply', { documents: [policy(resource)] });
    assert.equal(r.status, 400, `${resource}: ${JSON.stringify(r.json)}`);
    assert.match(JSON.stringify(r.json), /spec\.resource/);
    assert.match(JSON.stringify(r.json), /wildcard/i);
  }
  const listed = await gatehouseJson(server.url, server.admin, 'GET', '/v1/resource-policies');
  assert.deepEqual(listed.json['resourcePolicies'], []);
  // The same policy on the bucket itself is taken.
  const ok = await gatehouseJson(server.url, server.admin, 'POST', '/v1/apply', { documents: [policy('arn:aws:s3:::data')] });
  assert.equal(ok.status, 200, JSON.stringify(ok.json));
});
