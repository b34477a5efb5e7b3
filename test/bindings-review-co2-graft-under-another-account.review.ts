/**
 * Helper co, 2: an ARN that names no account (a bucket, `arn:aws:s3:::shared`) belongs to the account whose IAM policy
 * is attached to it or nearest above it (src/app/bindings.ts, "The chain of a resource"). A write looked only at a
 * policy on the very ARN, so another account could set an IAM policy on an ARN under it (`arn:aws:s3:::shared/data`):
 * the nearest policy then made `shared/data/*` that account's, its bindings granted there (here `roles/storage.objectAdmin`
 * to `allAuthenticatedUsers`: every principal of every account could read and delete the owner's objects) and the
 * owner's bucket-wide bindings no longer applied. Resource policies refuse the same graft (review N, N4). Now a write of
 * an IAM policy with bindings, by PUT /v1/iam-policies and by `gatehouse apply`, is refused (AccessDenied) when an ARN
 * above it, or one under it, holds another account's IAM policy; the owner itself still sets policies anywhere in its tree.
 * Real server, SigV4-signed /v1/ calls, the CLI's program in this process (test/support/gatehouse-cli.ts).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as I from '@aws-sdk/client-iam';
import { gatehouseCliInProcess } from './support/gatehouse-cli.ts';
import { keysOf } from './support/processes.ts';
import { startTestServer, type Credentials, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

const A = '000000000000';
const B = '222211113333';
const ALICE = `arn:aws:iam::${A}:user/alice`;

let server: TestServer;
let home: string;
let bAdmin: Credentials;

before(async () => {
  server = await startTestServer();
  home = await mkdtemp(join(tmpdir(), 'co2-'));
  await server.iam().send(new I.CreateUserCommand({ UserName: 'alice' }));
  const r = await gatehouseJson(server.url, server.admin, 'POST', '/v1/accounts', { id: B, partition: 'aws' });
  assert.equal(r.status, 201, JSON.stringify(r.json));
  bAdmin = { accessKeyId: String(r.json['AccessKeyId']), secretAccessKey: String(r.json['SecretAccessKey']) };
});
after(async () => {
  if (server) await server.stop();
  if (home) await rm(home, { recursive: true, force: true });
});

const put = (who: Credentials, resource: string, bindings: unknown[]) => gatehouseJson(server.url, who, 'PUT', '/v1/iam-policies', { resource, bindings });
const decision = async (action: string, resource: string): Promise<string> => {
  const r = await gatehouseJson(server.url, server.admin, 'POST', '/v1/authorize', { principal: ALICE, action, resource });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return String(r.json['decision']);
};

test('PUT /v1/iam-policies: another account cannot set an IAM policy under, or above, an ARN whose policy is not its own', async () => {
  const owned = await put(server.admin, 'arn:aws:s3:::co2-shared', [{ role: 'roles/storage.objectViewer', members: ['user:alice'] }]);
  assert.equal(owned.status, 200, JSON.stringify(owned.json));

  // B grafts a policy under A's bucket: refused, and nothing changes in what A's policy grants.
  const graft = await put(bAdmin, 'arn:aws:s3:::co2-shared/data', [{ role: 'roles/storage.objectAdmin', members: ['allAuthenticatedUsers'] }]);
  assert.equal(graft.status, 403, JSON.stringify(graft.json));
  assert.match(JSON.stringify(graft.json), /co2-shared.*account 000000000000/);
  // alice has no rights of her own: the graft's `allAuthenticatedUsers` would have let her delete.
  assert.equal(await decision('s3:DeleteObject', 'arn:aws:s3:::co2-shared/data/x'), 'ImplicitDeny');
  assert.equal(await decision('s3:GetObject', 'arn:aws:s3:::co2-shared/data/x'), 'Allow', "A's bucket-wide binding still applies under data/");

  // The owner sets policies anywhere in its tree.
  const mine = await put(server.admin, 'arn:aws:s3:::co2-shared/data', [{ role: 'roles/storage.objectAdmin', members: ['user:alice'] }]);
  assert.equal(mine.status, 200, JSON.stringify(mine.json));
  assert.equal(await decision('s3:DeleteObject', 'arn:aws:s3:::co2-shared/data/x'), 'Allow');

  // The other way round: B's policy on an ARN below, then A above it.
  const first = await put(bAdmin, 'arn:aws:s3:::co2-other/b-part', [{ role: 'roles/storage.objectViewer', members: ['allAuthenticatedUsers'] }]);
  assert.equal(first.status, 200, JSON.stringify(first.json));
  const above = await put(server.admin, 'arn:aws:s3:::co2-other', [{ role: 'roles/storage.objectViewer', members: ['user:alice'] }]);
  assert.equal(above.status, 403, JSON.stringify(above.json));
  assert.match(JSON.stringify(above.json), /co2-other\/b-part.*account 222211113333/);
});

test('gatehouse apply refuses the graft at spec.resource, and changes nothing', async () => {
  const file = join(home, 'graft.yaml');
  await writeFile(file, [
    'apiVersion: gatehouse.dev/v1',
    'kind: IamPolicy',
    'metadata: {name: graft}',
    'spec:',
    '  resource: arn:aws:s3:::co2-shared/apply',
    '  bindings:',
    '    - role: roles/storage.objectAdmin',
    '      members: [allAuthenticatedUsers]',
    '',
  ].join('\n'));
  const r = await gatehouseCliInProcess(['apply', '-f', file], keysOf({ AccessKeyId: bAdmin.accessKeyId, SecretAccessKey: bAdmin.secretAccessKey }), { endpoint: server.url, home });
  assert.notEqual(r.code, 0, r.stdout);
  assert.match(r.stderr, /spec\.resource: .*co2-shared.*account 000000000000.*\[ACCESS_DENIED\]/, r.stderr);
  assert.equal(await decision('s3:DeleteObject', 'arn:aws:s3:::co2-shared/apply/x'), 'ImplicitDeny');
});
