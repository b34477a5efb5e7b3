/**
 * `--json` on every command that prints a result (review cli, H8): `resource-policies put`, `resource-policies
 * delete`, `workspaces delete` and `kube webhook-config` refused it (`unknown option '--json'`, exit 2), so a script
 * or wrapper passing `--json` throughout, as the aws CLI's `--output json` is accepted by every command, failed on
 * them, after the changes before them had been made. Now they take it: the server's answer, `{"deleted": …}` for the
 * two deletes (as the API's other deletes answer), and for webhook-config what was written where and the flags, never
 * the token. The CLI's program in this process (test/support/gatehouse-cli.ts) against a
 * real server on 127.0.0.1.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gatehouseCliInProcess } from './support/gatehouse-cli.ts';
import { startTestServer, type TestServer } from './support/server.ts';

describe('--json on the commands that refused it', () => {
  let s: TestServer;
  let policy: string;
  before(async () => {
    s = await startTestServer();
    policy = join(s.dataDir, 'bucket-policy.json');
    await writeFile(policy, '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::000000000000:root"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::h8/*"}]}');
  });
  after(async () => s?.stop());

  const cli = (args: readonly string[]) => gatehouseCliInProcess(args, s.admin, { endpoint: s.url, home: s.dataDir });
  const json = (out: string): Record<string, unknown> => JSON.parse(out) as Record<string, unknown>;

  it('resource-policies put and delete', async () => {
    const put = await cli(['resource-policies', 'put', 'arn:aws:s3:::h8', '--file', policy, '--json']);
    assert.equal(put.code, 0, put.stderr);
    assert.equal((json(put.stdout)['document'] as { Statement: unknown[] }).Statement.length, 1);
    const del = await cli(['resource-policies', 'delete', 'arn:aws:s3:::h8', '--json']);
    assert.equal(del.code, 0, del.stderr);
    assert.deepEqual(json(del.stdout), { deleted: 'arn:aws:s3:::h8' });
    // An error, with --json, is a JSON document too (on stderr, review F, F4).
    const again = await cli(['resource-policies', 'delete', 'arn:aws:s3:::h8', '--json']);
    assert.equal(again.code, 6);
    assert.equal(again.stdout, '');
    assert.equal((json(again.stderr)['error'] as { code: string }).code, 'NoSuchEntity');
  });

  it('workspaces delete', async () => {
    assert.equal((await cli(['workspaces', 'put', 'h8', '--member', 'user:admin'])).code, 0);
    const del = await cli(['workspaces', 'delete', 'h8', '--json']);
    assert.equal(del.code, 0, del.stderr);
    assert.deepEqual(json(del.stdout), { deleted: 'h8' });
  });

  it('kube webhook-config: the files and flags, not the token', async () => {
    const file = join(s.dataDir, 'cluster.yaml');
    await writeFile(file, 'apiVersion: gatehouse.dev/v1\nkind: Cluster\nmetadata:\n  name: h8\nspec: {}\n');
    assert.equal((await cli(['apply', '-f', file])).code, 0);
    const out = join(s.dataDir, 'webhooks');
    const r = await cli(['kube', 'webhook-config', '--cluster', 'h8', '--out', out, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const v = json(r.stdout);
    assert.equal(v['cluster'], 'h8');
    assert.equal((v['files'] as string[]).length, 5);
    assert.ok((v['apiserverFlags'] as string[]).includes('--authentication-token-webhook-version=v1'));
    const kubeconfig = await readFile(join(out, 'authentication-webhook.kubeconfig'), 'utf8');
    const token = /token: *"?([^"\s]+)/.exec(kubeconfig)?.[1] ?? '';
    assert.ok(token.length > 20, 'the kubeconfig holds the token');
    assert.ok(!r.stdout.includes(token), 'the token is printed');
  });
});
