/**
 * Review hr, 1: the webhooks of a cluster whose name is long and holds characters a URL path encodes answered 404.
 * Gatehouse's cluster names take up to 128 letters, digits and `+=,.@_-`; `gatehouse kube webhook-config` writes the
 * webhook URLs with the name percent-encoded (`@` is `%40`, three characters), but the server routed
 * `/k8s/{cluster}/…` only when the *encoded* segment was at most 128 characters. A cluster named, say,
 * `training-team@…` of 120 characters got kubeconfigs and a MutatingWebhookConfiguration whose URLs kube-apiserver
 * called to hear `404 no route for POST /k8s/…`: no one could authenticate, every authorization fell to the next
 * authorizer, and pods naming a role were refused (the admission webhook fails closed). Now the segment is read up to
 * the encoding of the longest name (3 × 128 characters), and the name decoded from it is looked up as before.
 *
 * Before the fix 2 of 3 tests failed.
 *
 * Real server; the CLI as the `gatehouse` executable runs it; the webhooks called at the URLs its files name, with the
 * bearer token they hold, as kube-apiserver calls them.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { gatehouseCliInProcess } from './support/gatehouse-cli.ts';
import { startTestServer, type TestServer } from './support/server.ts';

let s: TestServer;
const cli = (args: readonly string[]) => gatehouseCliInProcess(args, s.admin, { endpoint: s.url, home: s.dataDir });
// 128 characters, the longest cluster name; 8 of them `@` (`%40` in a URL path): 144 once encoded.
const LONG = `${'a'.repeat(60)}@@@@@@@@${'b'.repeat(60)}`;
const SHORT = 'k1';

before(async () => {
  s = await startTestServer();
  const file = join(s.dataDir, 'clusters.yaml');
  await writeFile(file, [LONG, SHORT].map((c) => `apiVersion: gatehouse.dev/v1\nkind: Cluster\nmetadata:\n  name: "${c}"\nspec: {}\n`).join('---\n'));
  const r = await cli(['apply', '-f', file]);
  assert.equal(r.code, 0, r.stderr);
});
after(async () => s?.stop());

/** The authentication webhook's URL and bearer token, from the kubeconfig `webhook-config` writes for `cluster`. */
async function webhook(cluster: string): Promise<{ url: string; token: string }> {
  const out = join(s.dataDir, `out-${cluster.length}`);
  const r = await cli(['kube', 'webhook-config', '--cluster', cluster, '--out', out]);
  assert.equal(r.code, 0, r.stderr);
  const k = parse(await readFile(join(out, 'authentication-webhook.kubeconfig'), 'utf8')) as { clusters: { cluster: { server: string } }[]; users: { user: { token: string } }[] };
  return { url: k.clusters[0]?.cluster.server ?? '', token: k.users[0]?.user.token ?? '' };
}

async function tokenReview(w: { url: string; token: string }, bearer = w.token): Promise<{ status: number; json: Record<string, unknown> }> {
  const r = await fetch(w.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${bearer}` },
    body: JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token: 'k8s-aws-v1.not-a-token' } }),
  });
  return { status: r.status, json: (await r.json()) as Record<string, unknown> };
}

test('the webhook of a 128-character cluster name with characters a path encodes answers at the URL the files name', async () => {
  const w = await webhook(LONG);
  assert.ok(w.url.includes('%40'), w.url);
  const r = await tokenReview(w);
  assert.equal(r.status, 200, JSON.stringify(r.json));
  assert.equal(r.json['kind'], 'TokenReview');
  assert.equal((r.json['status'] as Record<string, unknown>)['authenticated'], false);
});

test('that cluster still wants its own bearer token', async () => {
  const w = await webhook(LONG);
  const other = await webhook(SHORT);
  const r = await tokenReview(w, other.token);
  assert.equal(r.status, 401, JSON.stringify(r.json));
});

test('a short name is answered as before', async () => {
  const r = await tokenReview(await webhook(SHORT));
  assert.equal(r.status, 200, JSON.stringify(r.json));
});
