/**
 * Review hr, 7: with `--authorization config` (failurePolicy: Deny), no node could join the cluster while Gatehouse was
 * down. A new node's kubelet first authenticates with a bootstrap token (`kubeadm join`, EKS/managed node bootstrap,
 * cluster-autoscaler's nodes): user `system:bootstrap:<token id>`, groups `system:bootstrappers[:…]`, and creates its
 * CertificateSigningRequest as that user. The Node authorizer decides only `system:nodes`, so the request went to
 * Gatehouse's webhook; the structured configuration's matchConditions exempt the control plane, nodes, kube-system's
 * service accounts and unauthenticated health checks, but not bootstrap tokens, so while Gatehouse could not be reached
 * the CSR was denied and the node never joined — on a GPU cluster that scales, no new capacity until Gatehouse is back.
 * Bootstrap tokens are no IAM principal (access entries never map to `system:` names), so IAM has nothing to deny them:
 * they now skip the webhook as the other cluster identities do, and RBAC alone decides for them.
 *
 * Before the fix 1 of 3 tests failed.
 *
 * Real server; the CLI as the `gatehouse` executable runs it; the matchConditions of the file it writes evaluated for
 * SubjectAccessReviews as kube-apiserver makes them (all must hold for the webhook to be asked), by an evaluator of
 * the expression shapes the file uses (an unknown shape fails the test).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { gatehouseCliInProcess } from './support/gatehouse-cli.ts';
import { startTestServer, type TestServer } from './support/server.ts';

let s: TestServer;
let conditions: string[] = [];
const cli = (args: readonly string[]) => gatehouseCliInProcess(args, s.admin, { endpoint: s.url, home: s.dataDir });

before(async () => {
  s = await startTestServer();
  const file = join(s.dataDir, 'cluster.yaml');
  await writeFile(file, 'apiVersion: gatehouse.dev/v1\nkind: Cluster\nmetadata:\n  name: k1\nspec: {}\n');
  assert.equal((await cli(['apply', '-f', file])).code, 0);
  const out = join(s.dataDir, 'out');
  const r = await cli(['kube', 'webhook-config', '--cluster', 'k1', '--out', out, '--authorization', 'config']);
  assert.equal(r.code, 0, r.stderr);
  const doc = parse(await readFile(join(out, 'authorization-config.yaml'), 'utf8')) as { authorizers: { type: string; webhook?: { matchConditions: { expression: string }[] } }[] };
  conditions = (doc.authorizers.find((a) => a.type === 'Webhook')?.webhook?.matchConditions ?? []).map((m) => m.expression);
});
after(async () => s?.stop());

/** One CEL condition over a SubjectAccessReview v1 spec, in the shapes the file uses. */
function holds(expression: string, spec: { user: string; groups: readonly string[] }): boolean {
  const str = (q: string): string => q.slice(1, -1);
  let m = /^!\(request\.user in \[((?:'[^']*'(?:, )?)+)\]\)$/.exec(expression);
  if (m) return !(m[1] as string).split(', ').map(str).includes(spec.user);
  m = /^!request\.user\.startsWith\(('[^']*')\)$/.exec(expression);
  if (m) return !spec.user.startsWith(str(m[1] as string));
  m = /^!\(('[^']*') in request\.groups\)$/.exec(expression);
  if (m) return !spec.groups.includes(str(m[1] as string));
  throw new Error(`an expression of a shape this test does not read: ${expression}`);
}

const asksWebhook = (spec: { user: string; groups: readonly string[] }): boolean => conditions.every((c) => holds(c, spec));

test("a node's bootstrap token skips the webhook, so that it joins while Gatehouse is down", () => {
  assert.equal(asksWebhook({ user: 'system:bootstrap:abcdef', groups: ['system:bootstrappers', 'system:bootstrappers:kubeadm:default-node-token', 'system:authenticated'] }), false, conditions.join('\n'));
});

test('the identities that skipped it still do', () => {
  for (const spec of [
    { user: 'system:node:gpu-1', groups: ['system:nodes', 'system:authenticated'] },
    { user: 'system:kube-scheduler', groups: ['system:authenticated'] },
    { user: 'system:serviceaccount:kube-system:coredns', groups: ['system:serviceaccounts', 'system:serviceaccounts:kube-system', 'system:authenticated'] },
    { user: 'system:anonymous', groups: ['system:unauthenticated'] },
  ]) {
    assert.equal(asksWebhook(spec), false, spec.user);
  }
});

test('IAM principals and other users are still decided by the webhook', () => {
  for (const spec of [
    { user: 'arn:aws:iam::000000000000:user/alice', groups: ['ml-engineers', 'system:authenticated'] },
    { user: 'arn:aws:sts::000000000000:assumed-role/ScientistUserRole/alice', groups: ['system:authenticated'] },
    { user: 'system:serviceaccount:ml:trainer', groups: ['system:serviceaccounts', 'system:serviceaccounts:ml', 'system:authenticated'] },
  ]) {
    assert.equal(asksWebhook(spec), true, spec.user);
  }
});
