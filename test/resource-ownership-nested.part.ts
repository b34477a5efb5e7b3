/**
 * An ARN that names no account (S3-style, not created through the gateway) is the account's that attached the first
 * policy on it or above it, nearest first (review N, N4). Another account can then neither claim a resource above it
 * (its policy would govern the first account's resource) nor, if such a claim exists from before, have its policy
 * take part in a decision on the first account's resource: only the owner's policies count.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startTestServer, type Credentials, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { gatehouseCliInProcess } from './support/gatehouse-cli.ts';
import { keysOf } from './support/processes.ts';
import { resourcePolicyKey } from '../src/app/resource-policies.ts';

const A = '000000000000';
const B = '222233334444';
const doc = (...Statement: object[]) => ({ Version: '2012-10-17', Statement });
const path = (resource: string) => `/v1/resource-policies/${encodeURIComponent(resource)}`;

let server: TestServer;
let bAdmin: Credentials;

before(async () => {
  server = await startTestServer({ keepDir: true });
  const created = await gatehouseJson(server.url, server.admin, 'POST', '/v1/accounts', { id: B, partition: 'aws', name: 'partner' });
  assert.ok(created.status === 200 || created.status === 201, JSON.stringify(created.status));
  bAdmin = { accessKeyId: created.json['AccessKeyId'] as string, secretAccessKey: created.json['SecretAccessKey'] as string };
  // A policy names only principals that exist (review Z, finding 3).
  assert.equal((await gatehouseJson(server.url, server.admin, 'POST', '/v1/users', { name: 'bob' })).status, 201);
  const mine = await gatehouseJson(server.url, server.admin, 'PUT', path('arn:aws:s3:::shared-bkt/private'), {
    document: doc({ Sid: 'SecretGrant', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${A}:user/bob` }, Action: 's3:GetObject', Resource: 'arn:aws:s3:::shared-bkt/private/*' }),
  });
  assert.equal(mine.status, 200, JSON.stringify(mine.json));
});
after(async () => {
  await server.stop();
  const { rm } = await import('node:fs/promises');
  await rm(server.dataDir, { recursive: true, force: true });
});

describe('a resource under another account’s', () => {
  const everything = doc({ Effect: 'Allow', Principal: '*', Action: 's3:*', Resource: 'arn:aws:s3:::shared-bkt/*' });

  it('cannot be claimed from above by another account, through the admin API or apply, and the refusal names the ARN only', async () => {
    const r = await gatehouseJson(server.url, bAdmin, 'PUT', path('arn:aws:s3:::shared-bkt'), { document: everything });
    assert.equal(r.status, 403, JSON.stringify(r.json));
    const said = JSON.stringify(r.json);
    assert.match(said, /arn:aws:s3:::shared-bkt\/private/);
    assert.match(said, new RegExp(`account ${A}`));
    assert.doesNotMatch(said, /SecretGrant|user\/bob|GetObject/, 'nothing of the other account’s policy');
    const file = join(server.dataDir, 'claim.yaml');
    await writeFile(file, ['apiVersion: gatehouse.dev/v1', 'kind: ResourcePolicy', 'metadata: {name: claim}', 'spec:', '  resource: arn:aws:s3:::shared-bkt', '  document: {Version: "2012-10-17", Statement: [{Effect: Allow, Principal: "*", Action: "s3:*", Resource: "arn:aws:s3:::shared-bkt/*"}]}', ''].join('\n'));
    const applied = await gatehouseCliInProcess(['apply', '-f', file], keysOf({ AccessKeyId: bAdmin.accessKeyId, SecretAccessKey: bAdmin.secretAccessKey }), { endpoint: server.url, home: server.dataDir });
    assert.notEqual(applied.code, 0, applied.stdout);
    assert.match(applied.stderr, /shared-bkt\/private/);
    // The account that owns what is below may claim above it.
    const own = await gatehouseJson(server.url, server.admin, 'PUT', path('arn:aws:s3:::mine-bkt/a'), { document: doc({ Effect: 'Deny', Principal: '*', Action: 's3:DeleteObject', Resource: '*' }) });
    assert.equal(own.status, 200, JSON.stringify(own.json));
    const above = await gatehouseJson(server.url, server.admin, 'PUT', path('arn:aws:s3:::mine-bkt'), { document: doc({ Effect: 'Deny', Principal: '*', Action: 's3:DeleteBucket', Resource: '*' }) });
    assert.equal(above.status, 200, JSON.stringify(above.json));
  });

  it('an earlier claim from above grants nothing on it: only the owner’s policies take part', async () => {
    // As the store may hold from before the check: B's policy on the bucket, above A's on `private`.
    const app = server.running.app;
    await app.deps.store.write((tx) => tx.kv.put(resourcePolicyKey('arn:aws:s3:::shared-bkt'), JSON.stringify({ resource: 'arn:aws:s3:::shared-bkt', account: B, document: JSON.stringify(everything), updated: '2026-12-01T00:00:00Z' })));
    await app.refresh();
    const theirs = await gatehouseJson(server.url, bAdmin, 'POST', '/v1/authorize', { action: 's3:GetObject', resource: 'arn:aws:s3:::shared-bkt/private/secret.txt' });
    assert.equal(theirs.status, 200, JSON.stringify(theirs.json));
    assert.equal(theirs.json['decision'], 'ImplicitDeny', JSON.stringify(theirs.json));
    // Outside A's part, the bucket is B's, governed by B's policy alone.
    const outside = await gatehouseJson(server.url, bAdmin, 'POST', '/v1/authorize', { action: 's3:GetObject', resource: 'arn:aws:s3:::shared-bkt/other.txt' });
    assert.equal(outside.json['decision'], 'Allow', JSON.stringify(outside.json));
    assert.equal(app.resourcePolicies.forResource('arn:aws:s3:::shared-bkt/private/secret.txt').account, A);
    assert.equal(app.resourcePolicies.forResource('arn:aws:s3:::shared-bkt/private/secret.txt').policies.length, 1);
    assert.equal(app.resourcePolicies.forResource('arn:aws:s3:::shared-bkt/other.txt').account, B);
  });
});
