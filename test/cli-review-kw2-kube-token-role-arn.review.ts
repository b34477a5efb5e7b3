/**
 * Review kw, 2 (cli): `gatehouse kube token` is "like `aws eks get-token`" and takes the arguments `aws eks
 * update-kubeconfig` writes (review jc, 6), but not `--role-arn`, which `update-kubeconfig --role-arn ROLE` writes into
 * the kubeconfig's `args` and `aws eks get-token` reads: the token is then signed by a session of that role (AssumeRole,
 * RoleSessionName `EKSGetTokenAuth`, awscli/customizations/eks/get_token.py), so an administrator whose cluster access
 * is mapped to a role (an access entry for the role, the usual EKS setup) reaches the cluster as the role. Here it was
 * an unknown option (exit 2): kubectl said only "executable gatehouse failed with exit code 2", and the user had no
 * way to sign as the role but to export a session by hand. Now `--role-arn ARN` assumes the role on the server with
 * the credentials in use (as a profile's role_arn is assumed) and signs the token with its session, named
 * `EKSGetTokenAuth`; a role the caller may not assume is the server's AccessDenied (exit 9), naming `--role-arn` and
 * the role, and nothing on stdout; an empty `--role-arn` is a usage error.
 *
 * The CLI in this process (test/support/gatehouse-cli.ts) against a real server on 127.0.0.1; the token printed is
 * reviewed by the cluster's TokenReview webhook as kube-apiserver sends it.
 *
 * Before the fix 2 of 2 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { gatehouseCliInProcess } from './support/gatehouse-cli.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, userWithKey, type Credentials, type TestServer } from './support/server.ts';

describe('kw2: kube token --role-arn signs with a session of the role, as aws eks get-token', () => {
  let s: TestServer;
  let acct: string;
  let bearer: string;
  let bob: Credentials;
  before(async () => {
    s = await startTestServer();
    acct = s.adminFile.AccountId;
    const doc = (kind: string, name: string, spec: Record<string, unknown>) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name }, spec });
    const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${acct}:user/admin` }, Action: 'sts:AssumeRole' }] };
    const applied = await gatehouseJson(s.url, s.admin, 'POST', '/v1/apply', {
      documents: [
        doc('Role', 'eks-admin', { trustPolicy: trust }),
        doc('Cluster', 'k1', {}),
        doc('AccessEntry', 'eks-admin', { cluster: 'k1', principalArn: `arn:aws:iam::${acct}:role/eks-admin`, kubernetesGroups: ['ops'] }),
      ],
    });
    assert.equal(applied.status, 200, JSON.stringify(applied.json));
    bearer = String((await gatehouseJson(s.url, s.admin, 'POST', '/v1/clusters/k1/webhook-config', {})).json['token']);
    bob = await userWithKey(s, 'bob');
  });
  after(async () => s?.stop());

  const review = async (token: string) => {
    const body = { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token } };
    const r = await fetch(`${s.url}/k8s/k1/authenticate`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${bearer}` }, body: JSON.stringify(body) });
    return ((await r.json()) as { status: { authenticated: boolean; user?: { username: string; groups: string[] } } }).status;
  };

  it('the arguments aws eks update-kubeconfig --role-arn writes: the token is the role session\'s', async () => {
    const role = `arn:aws:iam::${acct}:role/eks-admin`;
    const r = await gatehouseCliInProcess(['--region', 'us-east-1', 'kube', 'token', '--cluster-name', 'k1', '--output', 'json', '--role-arn', role], s.admin, { endpoint: s.url, home: s.dataDir });
    assert.equal(r.code, 0, r.stderr);
    const token = (JSON.parse(r.stdout) as { status: { token: string } }).status.token;
    const status = await review(token);
    assert.equal(status.authenticated, true, JSON.stringify(status));
    assert.equal(status.user?.username, `arn:aws:sts::${acct}:assumed-role/eks-admin/EKSGetTokenAuth`);
    assert.ok(status.user?.groups.includes('ops'), JSON.stringify(status.user));
  });

  it('a role the caller may not assume: AccessDenied (9) naming --role-arn and the role, nothing printed; an empty one, a usage error', async () => {
    const role = `arn:aws:iam::${acct}:role/eks-admin`;
    const r = await gatehouseCliInProcess(['kube', 'token', '--cluster', 'k1', '--role-arn', role], bob, { endpoint: s.url, home: s.dataDir });
    assert.equal(r.code, 9, r.stderr);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /AccessDenied: kube token --role-arn could not assume the role `arn:aws:iam::\d+:role\/eks-admin`/);
    const empty = await gatehouseCliInProcess(['kube', 'token', '--cluster', 'k1', '--role-arn', ''], s.admin, { endpoint: s.url, home: s.dataDir });
    assert.equal(empty.code, 2, empty.stderr);
    assert.match(empty.stderr, /--role-arn is empty/);
  });
});
