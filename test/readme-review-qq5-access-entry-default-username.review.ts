/**
 * Review `readme`, qq5: README §6 maps ScientistUserRole to Kubernetes groups with `gatehouse kube access-entry create`
 * and no `--username`; the entry printed `username: (default)`, and `access-entry list` the same, so whoever writes a
 * RoleBinding for that user, or reads kube-apiserver's audit log, was not told which username the cluster sees. EKS's
 * CreateAccessEntry and DescribeAccessEntry answer the username they set (`arn:aws:sts::A:assumed-role/R/{{SessionName}}`
 * for a role, the ARN for a user); DESIGN.md pins those defaults. Now `create`, `describe` and `list` print the username
 * the entry gives, marked `(default)`: the assumed-role template for a role (RAM's `acs:ram::A:role/R/{{SessionName}}`
 * in an `acs` account), the ARN for a user; an entry's own username is printed as it is. `--json` is unchanged.
 * The real CLI in process against a real server.
 * Before the fix 2 of 3 tests failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { CreateRoleCommand, CreateUserCommand, IAMClient } from '@aws-sdk/client-iam';
import { gatehouseJson } from './support/resource-server.ts';
import { cliAgainst, startTestServer, type TestServer } from './support/server.ts';

let server: TestServer;
before(async () => {
  server = await startTestServer();
  const iam = new IAMClient({ endpoint: server.url, region: 'us-east-1', credentials: server.admin, maxAttempts: 1 });
  try {
    const trust = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::000000000000:root' }, Action: 'sts:AssumeRole' }] });
    await iam.send(new CreateRoleCommand({ RoleName: 'ScientistUserRole', AssumeRolePolicyDocument: trust }));
    await iam.send(new CreateUserCommand({ UserName: 'ana' }));
  } finally {
    iam.destroy();
  }
  const cluster = await gatehouseJson(server.url, server.admin, 'PUT', '/v1/clusters/gpu-a', {});
  assert.equal(cluster.status, 200, JSON.stringify(cluster.json));
});
after(async () => {
  await server?.stop();
});

const create = (arn: string, more: string[] = []) => cliAgainst(server, ['kube', 'access-entry', 'create', '--cluster', 'gpu-a', '--principal-arn', arn, '--kubernetes-groups', '["g"]', ...more]);

test('qq5: a role’s entry without --username prints the username the cluster sees, marked (default)', async () => {
  const r = await create('arn:aws:iam::000000000000:role/ScientistUserRole');
  assert.equal(r.status, 0, r.err);
  assert.match(r.out, /^username: +arn:aws:sts::000000000000:assumed-role\/ScientistUserRole\/\{\{SessionName\}\} \(default\)$/m);
  const described = await cliAgainst(server, ['kube', 'access-entry', 'describe', '--cluster', 'gpu-a', '--principal-arn', 'arn:aws:iam::000000000000:role/ScientistUserRole']);
  assert.equal(described.status, 0, described.err);
  assert.match(described.out, /^username: +arn:aws:sts::000000000000:assumed-role\/ScientistUserRole\/\{\{SessionName\}\} \(default\)$/m);
  const json = await cliAgainst(server, ['kube', 'access-entry', 'describe', '--cluster', 'gpu-a', '--principal-arn', 'arn:aws:iam::000000000000:role/ScientistUserRole', '--json']);
  assert.equal((JSON.parse(json.out) as { username?: string }).username, undefined, '--json is unchanged');
});

test('qq5: a user’s entry prints its ARN as the default username; list shows each entry’s', async () => {
  const r = await create('arn:aws:iam::000000000000:user/ana');
  assert.equal(r.status, 0, r.err);
  assert.match(r.out, /^username: +arn:aws:iam::000000000000:user\/ana \(default\)$/m);
  const list = await cliAgainst(server, ['kube', 'access-entry', 'list', '--cluster', 'gpu-a']);
  assert.equal(list.status, 0, list.err);
  assert.match(list.out, /arn:aws:iam::000000000000:user\/ana +arn:aws:iam::000000000000:user\/ana \(default\) +g/);
  assert.match(list.out, /role\/ScientistUserRole +arn:aws:sts::000000000000:assumed-role\/ScientistUserRole\/\{\{SessionName\}\} \(default\) +g/);
});

test('qq5: an entry’s own username is printed as it is', async () => {
  const iam = new IAMClient({ endpoint: server.url, region: 'us-east-1', credentials: server.admin, maxAttempts: 1 });
  try {
    await iam.send(new CreateUserCommand({ UserName: 'bo' }));
  } finally {
    iam.destroy();
  }
  const r = await create('arn:aws:iam::000000000000:user/bo', ['--username', 'bo-{{AccountID}}']);
  assert.equal(r.status, 0, r.err);
  assert.match(r.out, /^username: +bo-\{\{AccountID\}\}$/m);
});
