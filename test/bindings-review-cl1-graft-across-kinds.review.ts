/**
 * Review cl, 1 (after co, 2): an ARN that names no account (`arn:aws:s3:::shared`) is the tree of the account whose
 * policy sits on it or nearest above it, and neither kind of attached policy may be put in another account's tree. co2
 * made IAM policies (bindings) refuse another account's IAM policy above or below; the two kinds still did not see each
 * other. Account B could attach a resource policy under (or on) an ARN holding A's IAM policy: the resource-policy side
 * then took `shared/data/*` for B's, and B's policy naming B's own user granted alone there, as same-account resource
 * policies do, so B's user with no rights of its own read A's objects. Likewise an IAM policy could be set above another
 * account's resource policy, or with one of another account under it. Now every write of either kind, by PUT and by
 * `gatehouse apply`, is refused (AccessDenied) when the other kind holds another account's policy on the ARN, above it
 * or under it. Real server, SigV4-signed /v1/ calls, the CLI's program in this process (test/support/gatehouse-cli.ts).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gatehouseCliInProcess } from './support/gatehouse-cli.ts';
import { keysOf } from './support/processes.ts';
import { startTestServer, userWithKey, type Credentials, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

const B = '222211113344';
const BOB = `arn:aws:iam::${B}:user/bob`;
const ALICE = 'arn:aws:iam::000000000000:user/alice';

let server: TestServer;
let home: string;
let bAdmin: Credentials;

before(async () => {
  server = await startTestServer();
  home = await mkdtemp(join(tmpdir(), 'cl1-'));
  await userWithKey(server, 'alice');
  const r = await gatehouseJson(server.url, server.admin, 'POST', '/v1/accounts', { id: B, partition: 'aws' });
  assert.equal(r.status, 201, JSON.stringify(r.json));
  bAdmin = { accessKeyId: String(r.json['AccessKeyId']), secretAccessKey: String(r.json['SecretAccessKey']) };
  await userWithKey({ url: server.url, admin: bAdmin }, 'bob');
});
after(async () => {
  if (server) await server.stop();
  if (home) await rm(home, { recursive: true, force: true });
});

const putIam = (who: Credentials, resource: string, members: string[]) =>
  gatehouseJson(server.url, who, 'PUT', '/v1/iam-policies', { resource, bindings: [{ role: 'roles/storage.objectViewer', members }] });
const grantTo = (principal: string, resource: string) => ({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { AWS: principal }, Action: 's3:GetObject', Resource: `${resource}/*` }],
});
const putResource = (who: Credentials, resource: string, principal: string) =>
  gatehouseJson(server.url, who, 'PUT', `/v1/resource-policies/${encodeURIComponent(resource)}`, { document: grantTo(principal, resource) });
const decision = async (principal: string, action: string, resource: string): Promise<string> => {
  const r = await gatehouseJson(server.url, server.admin, 'POST', '/v1/authorize', { principal, action, resource });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return String(r.json['decision']);
};

test("a resource policy cannot be attached under, or on, an ARN holding another account's IAM policy", async () => {
  const owned = await putIam(server.admin, 'arn:aws:s3:::cl1-shared', ['user:alice']);
  assert.equal(owned.status, 200, JSON.stringify(owned.json));

  const under = await putResource(bAdmin, 'arn:aws:s3:::cl1-shared/data', BOB);
  assert.equal(under.status, 403, JSON.stringify(under.json));
  assert.match(JSON.stringify(under.json), /cl1-shared.*account 000000000000/);
  // bob has no policies of his own: the graft would have granted him A's objects alone.
  assert.equal(await decision(BOB, 's3:GetObject', 'arn:aws:s3:::cl1-shared/data/x'), 'ImplicitDeny');
  assert.equal(await decision(ALICE, 's3:GetObject', 'arn:aws:s3:::cl1-shared/data/x'), 'Allow', "A's binding still applies");

  const same = await putResource(bAdmin, 'arn:aws:s3:::cl1-shared', BOB);
  assert.equal(same.status, 403, JSON.stringify(same.json));
  assert.equal(await decision(BOB, 's3:GetObject', 'arn:aws:s3:::cl1-shared/x'), 'ImplicitDeny');

  // The owner attaches resource policies anywhere in its tree.
  const mine = await putResource(server.admin, 'arn:aws:s3:::cl1-shared/data', ALICE);
  assert.equal(mine.status, 200, JSON.stringify(mine.json));
});

test("a resource policy cannot be attached above another account's IAM policy", async () => {
  const below = await putIam(bAdmin, 'arn:aws:s3:::cl1-low/b-part', ['user:bob']);
  assert.equal(below.status, 200, JSON.stringify(below.json));
  const above = await putResource(server.admin, 'arn:aws:s3:::cl1-low', ALICE);
  assert.equal(above.status, 403, JSON.stringify(above.json));
  assert.match(JSON.stringify(above.json), /cl1-low\/b-part.*account 222211113344/);
});

test("an IAM policy cannot be set above, on or under another account's resource policy", async () => {
  const theirs = await putResource(bAdmin, 'arn:aws:s3:::cl1-theirs/part', BOB);
  assert.equal(theirs.status, 200, JSON.stringify(theirs.json));
  const above = await putIam(server.admin, 'arn:aws:s3:::cl1-theirs', ['allAuthenticatedUsers']);
  assert.equal(above.status, 403, JSON.stringify(above.json));
  assert.match(JSON.stringify(above.json), /cl1-theirs\/part.*account 222211113344/);
  assert.equal(await decision(ALICE, 's3:GetObject', 'arn:aws:s3:::cl1-theirs/part/x'), 'ImplicitDeny');
  // A third account, on the ARN and under it: the resource is B's, and C may not set policies in B.
  const c = await gatehouseJson(server.url, server.admin, 'POST', '/v1/accounts', { id: '333311114444', partition: 'aws' });
  assert.equal(c.status, 201, JSON.stringify(c.json));
  const cAdmin = { accessKeyId: String(c.json['AccessKeyId']), secretAccessKey: String(c.json['SecretAccessKey']) };
  for (const resource of ['arn:aws:s3:::cl1-theirs', 'arn:aws:s3:::cl1-theirs/part', 'arn:aws:s3:::cl1-theirs/part/deeper']) {
    const r = await putIam(cAdmin, resource, ['allAuthenticatedUsers']);
    assert.equal(r.status, 403, `${resource}: ${JSON.stringify(r.json)}`);
  }
});

test('gatehouse apply refuses a resource policy grafted under another account\'s IAM policy, and changes nothing', async () => {
  const file = join(home, 'graft.yaml');
  await writeFile(file, [
    'apiVersion: gatehouse.dev/v1',
    'kind: ResourcePolicy',
    'metadata: {name: graft}',
    'spec:',
    '  resource: arn:aws:s3:::cl1-shared/apply',
    '  document:',
    '    Version: "2012-10-17"',
    '    Statement:',
    `      - {Effect: Allow, Principal: {AWS: "${BOB}"}, Action: "s3:GetObject", Resource: "arn:aws:s3:::cl1-shared/apply/*"}`,
    '',
  ].join('\n'));
  const r = await gatehouseCliInProcess(['apply', '-f', file], keysOf({ AccessKeyId: bAdmin.accessKeyId, SecretAccessKey: bAdmin.secretAccessKey }), { endpoint: server.url, home });
  assert.notEqual(r.code, 0, r.stdout);
  assert.match(r.stderr, /spec\.resource: .*cl1-shared.*account 000000000000.*\[ACCESS_DENIED\]/, r.stderr);
  assert.equal(await decision(BOB, 's3:GetObject', 'arn:aws:s3:::cl1-shared/apply/x'), 'ImplicitDeny');
});
