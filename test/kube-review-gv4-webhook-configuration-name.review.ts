/**
 * Review gv, 4: `gatehouse kube webhook-config` named the MutatingWebhookConfiguration `gatehouse-<cluster>` with each
 * character a Kubernetes name does not take replaced by `-`, so a cluster whose name ends in one (`gpu-`, `ml_`,
 * `team.`: Gatehouse's cluster names take `+=,.@_-`) gave `gatehouse-gpu-`, which is not a DNS-1123 subdomain (it must end
 * alphanumeric): `kubectl apply -f mutating-webhook.yaml`, the step the command prints, was refused by kube-apiserver
 * ("metadata.name: Invalid value … a lowercase RFC 1123 subdomain must … start and end with an alphanumeric
 * character"), and no pod got its credentials. Now the trailing dashes go (`gatehouse-gpu`); names that were valid
 * are unchanged, so no object is renamed on a cluster already set up.
 *
 * Real server; the CLI as the `gatehouse` executable runs it; the name checked with apimachinery's
 * `IsDNS1123Subdomain` rule (k8s.io/apimachinery/pkg/util/validation).
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
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const CLUSTERS = ['gpu-', 'ml_', 'team.', 'k1', 'Prod_GPU.a'];

before(async () => {
  s = await startTestServer();
  const file = join(s.dataDir, 'clusters.yaml');
  await writeFile(file, CLUSTERS.map((c) => `apiVersion: gatehouse.dev/v1\nkind: Cluster\nmetadata:\n  name: "${c}"\nspec: {}\n`).join('---\n'));
  const r = await cli(['apply', '-f', file]);
  assert.equal(r.code, 0, r.stderr);
});
after(async () => s?.stop());

async function webhookName(cluster: string): Promise<string> {
  const out = join(s.dataDir, `out-${CLUSTERS.indexOf(cluster)}`);
  const r = await cli(['kube', 'webhook-config', '--cluster', cluster, '--out', out, '--server-url', 'https://gatehouse.example.com']);
  assert.equal(r.code, 0, r.stderr);
  return (parse(await readFile(join(out, 'mutating-webhook.yaml'), 'utf8')) as { metadata: { name: string } }).metadata.name;
}

test('a cluster whose name ends in a character names take gets a MutatingWebhookConfiguration name kube-apiserver takes', async () => {
  for (const [cluster, want] of [
    ['gpu-', 'gatehouse-gpu'],
    ['ml_', 'gatehouse-ml'],
    ['team.', 'gatehouse-team'],
  ] as const) {
    const name = await webhookName(cluster);
    assert.match(name, DNS1123_SUBDOMAIN, `${cluster}: ${name}`);
    assert.equal(name, want);
  }
});

test('names that were valid are unchanged', async () => {
  assert.equal(await webhookName('k1'), 'gatehouse-k1');
  assert.equal(await webhookName('Prod_GPU.a'), 'gatehouse-prod-gpu-a');
});
