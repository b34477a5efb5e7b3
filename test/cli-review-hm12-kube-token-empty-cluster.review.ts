/**
 * Review hm, 12: `gatehouse kube token --cluster "$CLUSTER"` with CLUSTER unset (a kubeconfig's exec args built from a
 * variable) printed an ExecCredential with a token signed for the cluster `` and exited 0, so kubectl sent it and was
 * refused by kube-apiserver with a 401 that said nothing of the cause. Every other command refuses an empty cluster
 * name (EmptyArgument, review cli, H7); this one sends nothing to Gatehouse, so nothing caught it. Now it is a usage
 * error naming --cluster (exit 2), nothing on stdout; a name still gets its token.
 *
 * The CLI in this process against a real server on 127.0.0.1 (whose endpoint the token names).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { gatehouseCliInProcess } from './support/gatehouse-cli.ts';
import { startTestServer, type TestServer } from './support/server.ts';

describe('hm12: kube token with an empty --cluster', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
  });
  after(async () => s?.stop());

  const cli = (args: readonly string[]) => gatehouseCliInProcess(args, s.admin, { endpoint: s.url, home: s.dataDir });

  it('exit 2 naming --cluster, no ExecCredential', async () => {
    for (const value of ['', '  ']) {
      const r = await cli(['kube', 'token', '--cluster', value]);
      assert.equal(r.code, 2, r.stdout);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, /--cluster is empty: give the name of the cluster the token is for \(is a shell variable unset\?\)/);
    }
  });

  it('a cluster named: its token, as before', async () => {
    const r = await cli(['kube', 'token', '--cluster', 'gpu-a']);
    assert.equal(r.code, 0, r.stderr);
    const cred = JSON.parse(r.stdout) as { kind: string; status: { token: string } };
    assert.equal(cred.kind, 'ExecCredential');
    assert.match(cred.status.token, /^k8s-aws-v1\./);
  });
});
