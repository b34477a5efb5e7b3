/**
 * Review gv, 3: `gatehouse kube webhook-config --server-url` kept only the URL's scheme, host and port, without a word.
 * `--server-url ftp://gatehouse.example.com` wrote `server: ftp://…/k8s/k1/authorize` into the kubeconfigs, which
 * kube-apiserver cannot call; `--server-url https://lb.example.com/gatehouse` (a path prefix behind a proxy) wrote
 * `https://lb.example.com/k8s/…`, another URL than the one given; a user and password in it vanished too; each exit 0,
 * the operator finding out when kube-apiserver failed to authenticate anyone. Now such a URL is a usage error (exit 2)
 * that says what is wrong with it, before anything is asked of the server (`--rotate` rotates nothing) or written; the
 * root URL, with or without its `/`, writes the files as before.
 *
 * Real server; the CLI as the `gatehouse` executable runs it.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { gatehouseCliInProcess } from './support/gatehouse-cli.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, type TestServer } from './support/server.ts';

let s: TestServer;
const cli = (args: readonly string[]) => gatehouseCliInProcess(args, s.admin, { endpoint: s.url, home: s.dataDir });

before(async () => {
  s = await startTestServer();
  const file = join(s.dataDir, 'cluster.yaml');
  await writeFile(file, 'apiVersion: gatehouse.dev/v1\nkind: Cluster\nmetadata:\n  name: k1\nspec: {}\n');
  const r = await cli(['apply', '-f', file]);
  assert.equal(r.code, 0, r.stderr);
});
after(async () => s?.stop());

const exists = (p: string): Promise<boolean> => stat(p).then(() => true, () => false);

test('a server URL the files cannot name is refused, nothing written, the token not rotated', async () => {
  const before = await gatehouseJson(s.url, s.admin, 'POST', '/v1/clusters/k1/webhook-config', {});
  for (const [url, said] of [
    ['ftp://gatehouse.example.com', /https/],
    ['https://lb.example.com/gatehouse', /path `\/gatehouse`/],
    ['https://admin:secret@gatehouse.example.com', /user and password/],
    ['https://gatehouse.example.com/?x=1', /query or fragment/],
  ] as const) {
    const out = join(s.dataDir, `bad-${encodeURIComponent(url).slice(0, 40)}`);
    const r = await cli(['kube', 'webhook-config', '--cluster', 'k1', '--out', out, '--server-url', url, '--rotate']);
    assert.equal(r.code, 2, `${url}: ${r.stdout}${r.stderr}`);
    assert.match(r.stderr, said, url);
    assert.doesNotMatch(r.stderr, /secret/, 'the password is not echoed');
    assert.equal(await exists(out), false, `${url}: nothing written`);
  }
  const after = await gatehouseJson(s.url, s.admin, 'POST', '/v1/clusters/k1/webhook-config', {});
  assert.equal(after.json['token'], before.json['token'], 'no refused call rotated the webhook token');
});

test('the root URL, with or without its slash, names the webhooks under it', async () => {
  for (const url of ['https://gatehouse.example.com:8443', 'https://gatehouse.example.com:8443/']) {
    const out = join(s.dataDir, `good-${url.length}`);
    const r = await cli(['kube', 'webhook-config', '--cluster', 'k1', '--out', out, '--server-url', url]);
    assert.equal(r.code, 0, r.stderr);
    const k = parse(await readFile(join(out, 'authorization-webhook.kubeconfig'), 'utf8')) as { clusters: { cluster: { server: string } }[] };
    assert.equal(k.clusters[0]?.cluster.server, 'https://gatehouse.example.com:8443/k8s/k1/authorize');
  }
});
