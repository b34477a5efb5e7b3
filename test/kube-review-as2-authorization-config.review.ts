/**
 * Review as, 2: the IAM denies failed open while Gatehouse was down. `gatehouse kube webhook-config` offered only the
 * flag form of the authorization webhook (`--authorization-webhook-config-file`), with which kube-apiserver takes an
 * unreachable webhook as "no opinion" and lets the cluster's RBAC decide alone, skipping every IAM explicit deny. Now
 * `--authorization config` writes kube-apiserver's structured `AuthorizationConfiguration` (`--authorization-config`):
 * Node, Gatehouse's webhook with `failurePolicy: Deny`, RBAC, the cluster's own components skipping the webhook
 * (matchConditions), `apiserver.config.k8s.io/v1` or, with `--authorization-config-version v1beta1`, v1beta1. The
 * flag form stays the default.
 *
 * Checked: the written file parses as YAML and has the fields of the Kubernetes schema (authorizers in order, the
 * webhook's timeout, SubjectAccessReview versions, failure policy, KubeConfigFile connection naming the kubeconfig
 * written beside it, match conditions); the printed and `--json` flags name `--authorization-config` and none of the
 * flags kube-apiserver refuses beside it; the default writes no such file and prints the flags as before; a bad form
 * or version is a usage error; deploy/kubernetes/apiserver/authorization-config.yaml is what the command writes.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { AUTHORIZATION_MATCH_CONDITIONS, webhookFiles } from '../src/adapters/cli/commands/kube.ts';
import { gatehouseCliInProcess } from './support/gatehouse-cli.ts';
import { startTestServer, type TestServer } from './support/server.ts';

type Json = Record<string, unknown>;
type Webhook = {
  timeout: string;
  subjectAccessReviewVersion: string;
  matchConditionSubjectAccessReviewVersion: string;
  failurePolicy: string;
  connectionInfo: { type: string; kubeConfigFile: string };
  matchConditions: { expression: string }[];
};
type AuthorizationConfiguration = { apiVersion: string; kind: string; authorizers: { type: string; name: string; webhook?: Webhook }[] };

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

function checkConfiguration(doc: AuthorizationConfiguration, version: string, dir: string): void {
  assert.equal(doc.apiVersion, `apiserver.config.k8s.io/${version}`);
  assert.equal(doc.kind, 'AuthorizationConfiguration');
  assert.deepEqual(
    doc.authorizers.map((a) => [a.type, a.name]),
    [
      ['Node', 'node'],
      ['Webhook', 'gatehouse'],
      ['RBAC', 'rbac'],
    ],
    'Node first (kubelets), the webhook before RBAC (an IAM deny wins)',
  );
  const w = doc.authorizers[1]?.webhook as Webhook;
  assert.equal(w.failurePolicy, 'Deny');
  assert.match(w.timeout, /^\d+s$/);
  assert.ok(Number(w.timeout.slice(0, -1)) <= 30, 'kube-apiserver allows at most 30s');
  assert.equal(w.subjectAccessReviewVersion, 'v1');
  assert.equal(w.matchConditionSubjectAccessReviewVersion, 'v1');
  assert.deepEqual(w.connectionInfo, { type: 'KubeConfigFile', kubeConfigFile: join(dir, 'authorization-webhook.kubeconfig') });
  assert.deepEqual(
    w.matchConditions.map((m) => m.expression),
    [...AUTHORIZATION_MATCH_CONDITIONS],
  );
  for (const who of ["'system:serviceaccounts:kube-system' in request.groups", "'system:unauthenticated' in request.groups", "startsWith('system:node:')", "'system:kube-controller-manager'", "'system:kube-scheduler'"]) {
    assert.ok(
      w.matchConditions.some((m) => m.expression.includes(who) && m.expression.startsWith('!')),
      `${who} skips the webhook`,
    );
  }
  for (const a of doc.authorizers) if (a.type !== 'Webhook') assert.equal(a.webhook, undefined, `${a.type} has no webhook field`);
}

describe('webhook-config --authorization config: kube-apiserver fails closed when Gatehouse is down (review as, 2)', () => {
  it('writes a structured AuthorizationConfiguration with failurePolicy Deny, and the flags that use it', async () => {
    const out = join(s.dataDir, 'structured');
    const r = await cli(['kube', 'webhook-config', '--cluster', 'k1', '--out', out, '--authorization', 'config']);
    assert.equal(r.code, 0, r.stderr);
    assert.ok((await readdir(out)).includes('authorization-config.yaml'));
    assert.ok((await readdir(out)).includes('authorization-webhook.kubeconfig'), 'the kubeconfig the configuration names is written');
    checkConfiguration(parse(await readFile(join(out, 'authorization-config.yaml'), 'utf8')) as AuthorizationConfiguration, 'v1', out);
    assert.match(r.stdout, new RegExp(`--authorization-config=${join(out, 'authorization-config.yaml').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    const printed = r.stdout.split('\n').filter((l) => l.startsWith('  --'));
    assert.equal(printed.length, 4, r.stdout);
    assert.ok(!printed.some((l) => /--authorization-mode=|--authorization-webhook-/.test(l)), 'kube-apiserver refuses those beside --authorization-config');
    assert.match(r.stdout, /failurePolicy: Deny/);

    const json = await cli(['kube', 'webhook-config', '--cluster', 'k1', '--out', out, '--authorization', 'config', '--json']);
    assert.equal(json.code, 0, json.stderr);
    const v = JSON.parse(json.stdout) as { apiserverFlags: string[]; files: string[]; authorization: string };
    assert.equal(v.authorization, 'config');
    assert.ok(v.apiserverFlags.includes(`--authorization-config=${join(out, 'authorization-config.yaml')}`));
    assert.ok(!v.apiserverFlags.some((f) => f.startsWith('--authorization-mode') || f.startsWith('--authorization-webhook')));
    assert.ok(v.files.includes(join(out, 'authorization-config.yaml')));
  });

  it('v1beta1 for Kubernetes 1.30 and 1.31', async () => {
    const out = join(s.dataDir, 'beta');
    const r = await cli(['kube', 'webhook-config', '--cluster', 'k1', '--out', out, '--authorization', 'config', '--authorization-config-version', 'v1beta1']);
    assert.equal(r.code, 0, r.stderr);
    checkConfiguration(parse(await readFile(join(out, 'authorization-config.yaml'), 'utf8')) as AuthorizationConfiguration, 'v1beta1', out);
  });

  it('the default is still the flag form: no configuration file, the same flags', async () => {
    const out = join(s.dataDir, 'flags');
    const r = await cli(['kube', 'webhook-config', '--cluster', 'k1', '--out', out, '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(!(await readdir(out)).includes('authorization-config.yaml'));
    const v = JSON.parse(r.stdout) as { apiserverFlags: string[] };
    assert.ok(v.apiserverFlags.includes('--authorization-mode=Node,Webhook,RBAC'));
    assert.ok(v.apiserverFlags.includes(`--authorization-webhook-config-file=${join(out, 'authorization-webhook.kubeconfig')}`));
    assert.ok(!v.apiserverFlags.some((f) => f.startsWith('--authorization-config')));
  });

  it('a form or version it does not know is a usage error', async () => {
    for (const args of [
      ['--authorization', 'structured'],
      ['--authorization', 'config', '--authorization-config-version', 'v1alpha1'],
    ]) {
      const r = await cli(['kube', 'webhook-config', '--cluster', 'k1', '--out', join(s.dataDir, 'bad'), ...args]);
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /Allowed choices are/);
    }
  });

  it('deploy/kubernetes/apiserver/authorization-config.yaml is what the command writes', async () => {
    const dir = '/etc/kubernetes/gatehouse';
    const files = webhookFiles({ base: new URL('https://gatehouse.gatehouse.svc'), cluster: 'CLUSTER', token: 't', caBundle: 'B', dir, authorization: { form: 'config', version: 'v1' } });
    const shown = parse(await readFile(join(import.meta.dirname, '..', 'deploy', 'kubernetes', 'apiserver', 'authorization-config.yaml'), 'utf8')) as Json;
    assert.deepEqual(shown, parse(files['authorization-config.yaml'] as string));
    checkConfiguration(shown as unknown as AuthorizationConfiguration, 'v1', dir);
  });
});
