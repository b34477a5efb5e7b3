/**
 * Review jc, 6 (cli): `gatehouse kube token` is "like `aws eks get-token`", and a cluster operator moving a kubeconfig
 * over keeps the arguments `aws eks update-kubeconfig` wrote (`[--region, R, eks, get-token, --cluster-name, C,
 * --output, json]`), changing the command's words; but `--cluster-name` and `--output json` were unknown options
 * (exit 2), so kubectl failed with `unknown option '--cluster-name'` (no suggestion of `--cluster`: too far to be
 * guessed). Why it matters: kubectl runs the plugin without a terminal, and the user sees only kubectl's "getting
 * credentials: exec: executable gatehouse failed with exit code 2". Now `--cluster-name` is taken as `--cluster` (both,
 * naming different clusters, are a usage error; neither is the usual missing-option error), and `--output json` / `-o
 * json` as the output it always prints (another format is refused: an ExecCredential is JSON). `--region` before the
 * command was taken by review jc, 2.
 *
 * The CLI in this process (test/support/gatehouse-cli.ts) against a real server on 127.0.0.1.
 *
 * Before the fix 3 of 3 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { gatehouseCliInProcess } from './support/gatehouse-cli.ts';
import { startTestServer, type TestServer } from './support/server.ts';

describe('jc6: kube token takes aws eks get-token\'s arguments', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
  });
  after(async () => s?.stop());

  const cli = (args: readonly string[]) => gatehouseCliInProcess(args, s.admin, { endpoint: s.url, home: s.dataDir });
  const tokenOf = (stdout: string): string => (JSON.parse(stdout) as { kind: string; status: { token: string } }).status.token;

  it('the arguments aws eks update-kubeconfig writes, with kube token for eks get-token', async () => {
    const r = await cli(['--region', 'us-east-1', 'kube', 'token', '--cluster-name', 'hyperpod', '--output', 'json']);
    assert.equal(r.code, 0, r.stderr);
    const token = tokenOf(r.stdout);
    assert.match(token, /^k8s-aws-v1\./);
    const url = Buffer.from(token.slice('k8s-aws-v1.'.length), 'base64url').toString('utf8');
    assert.match(url, /x-k8s-aws-id/i, 'signed for the cluster named');
    const same = await cli(['kube', 'token', '--cluster', 'hyperpod', '-o', 'json']);
    assert.equal(same.code, 0, same.stderr);
  });

  it('--cluster and --cluster-name naming different clusters is a usage error; neither, the missing option', async () => {
    const two = await cli(['kube', 'token', '--cluster', 'a', '--cluster-name', 'b']);
    assert.equal(two.code, 2);
    assert.equal(two.stdout, '');
    assert.match(two.stderr, /--cluster `a` and --cluster-name `b`/);
    const none = await cli(['kube', 'token']);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /--cluster/);
    const empty = await cli(['kube', 'token', '--cluster-name', '']);
    assert.equal(empty.code, 2);
    assert.match(empty.stderr, /--cluster-name is empty/);
  });

  it('an output format other than json is refused', async () => {
    const r = await cli(['kube', 'token', '--cluster', 'hyperpod', '--output', 'text']);
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /ExecCredential/);
  });
});
