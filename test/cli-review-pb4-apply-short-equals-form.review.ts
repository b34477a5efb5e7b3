/**
 * Review pb, 4 (cli): `gatehouse apply` and `plan` take kubectl's `-f` and `-n` ("as `kubectl apply -f -` does",
 * README §2), but not kubectl's `-f=FILE` and `-n=NAMESPACE` spellings (pflag reads `-x=VALUE` as VALUE; kubectl's
 * reference writes `kubectl get pods -o=json`, and review np, 1 made `-o=json` work for this reason). Commander read the
 * `=` as part of the value: `plan -f=roles.yaml` said `=roles.yaml: no such file or directory` (exit 5), and `apply
 * --cluster c -n=team-a -f role.yaml` blamed the document, `role.yaml:3:1: … metadata.namespace: namespace `=team-a` is
 * not a DNS label [RBAC_INVALID_VALUE]` (exit 3, "invalid policy"), for a field the file does not have. Now `-f=FILE`
 * is `-f FILE` and `-n=NS` is `-n NS`, as `-o=json` is `-o json`.
 *
 * The CLI in this process (test/support/gatehouse-cli.ts) against a real server on 127.0.0.1.
 *
 * Before the fix 2 of 2 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gatehouseCliInProcess } from './support/gatehouse-cli.ts';
import { startTestServer, type TestServer } from './support/server.ts';

describe('pb4: apply/plan -f=FILE and -n=NAMESPACE, as kubectl takes them', () => {
  let s: TestServer;
  let dir: string;
  let users: string;
  let role: string;
  before(async () => {
    s = await startTestServer();
    dir = await mkdtemp(join(tmpdir(), 'gh-pb4-'));
    users = join(dir, 'users.yaml');
    role = join(dir, 'role.yaml');
    await writeFile(users, 'apiVersion: gatehouse.dev/v1\nkind: User\nmetadata:\n  name: zed\n');
    await writeFile(role, 'apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata:\n  name: reader\nrules:\n- apiGroups: [""]\n  resources: [pods]\n  verbs: [get]\n');
    const trust = join(dir, 'trust.json');
    await writeFile(trust, JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'compute.gatehouse.dev' }, Action: 'sts:AssumeRole' }] }));
    assert.equal((await cli(['iam', 'roles', 'create', 'node', '--trust-policy', trust])).code, 0);
    const cluster = await cli(['apply', '-f', '-'], 'apiVersion: gatehouse.dev/v1\nkind: Cluster\nmetadata:\n  name: c1\nspec:\n  instanceRole: node\n');
    assert.equal(cluster.code, 0, cluster.stderr);
  });
  after(async () => {
    await s?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const cli = (args: readonly string[], stdin?: string) => gatehouseCliInProcess(args, s.admin, { endpoint: s.url, home: s.dataDir }, stdin === undefined ? {} : { stdin });

  it('plan -f=FILE reads FILE, as plan -f FILE does', async () => {
    const spaced = await cli(['plan', '-f', users]);
    assert.equal(spaced.code, 0, spaced.stderr);
    const r = await cli(['plan', `-f=${users}`]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, spaced.stdout);
    assert.match(r.stdout, /\+ create User\/zed/);
  });

  it('apply --cluster c1 -n=team-a: the Role goes to namespace team-a, as with -n team-a', async () => {
    const r = await cli(['apply', '--cluster', 'c1', '-n=team-a', `-f=${role}`, '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /team-a/);
    assert.doesNotMatch(`${r.stdout}${r.stderr}`, /=team-a/);
    const again = await cli(['plan', '--cluster', 'c1', '-n', 'team-a', '-f', role]);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /1 unchanged/);
  });
});
