/**
 * deploy/kubernetes: the manifests parse, the server Deployment takes its database and master key from the
 * Secret and serves HTTPS, and the MutatingWebhookConfiguration shown there is the one `gatehouse kube
 * webhook-config` writes (same webhooks, rules, policies and selectors).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { webhookFiles } from '../src/adapters/cli/commands/kube.ts';

const DEPLOY = join(import.meta.dirname, '..', 'deploy', 'kubernetes');
type Json = Record<string, unknown>;

test('every manifest is valid YAML with apiVersion and kind', async () => {
  for (const dir of [DEPLOY, join(DEPLOY, 'apiserver')]) {
    for (const f of (await readdir(dir)).filter((x) => /\.(ya?ml|kubeconfig)$/.test(x))) {
      for (const d of parseAllDocuments(await readFile(join(dir, f), 'utf8'))) {
        assert.deepEqual(d.errors, [], f);
        const v = d.toJS() as Json;
        if (f === 'kube-apiserver-flags.yaml') continue;
        assert.ok(typeof v['apiVersion'] === 'string' && typeof v['kind'] === 'string', `${f} has apiVersion and kind`);
      }
    }
  }
});

test('the server runs on HTTPS with PostgreSQL and the master key from the Secret', async () => {
  const d = parse(await readFile(join(DEPLOY, 'deployment.yaml'), 'utf8')) as { spec: { template: { spec: { containers: { args: string[]; env: { name: string; valueFrom?: { secretKeyRef: { name: string; key: string } } }[] }[] } } } };
  const c = d.spec.template.spec.containers[0];
  assert.ok(c);
  assert.ok(c.args.includes('server'));
  assert.ok(c.args.some((a) => a.startsWith('--tls-cert=')) && c.args.some((a) => a.startsWith('--tls-key=')));
  const env = new Map(c.env.map((e) => [e.name, e.valueFrom?.secretKeyRef]));
  assert.deepEqual(env.get('GATEHOUSE_DATABASE_URL'), { name: 'gatehouse', key: 'database-url' });
  assert.deepEqual(env.get('GATEHOUSE_MASTER_KEY'), { name: 'gatehouse', key: 'master-key' });
});

test('the MutatingWebhookConfiguration shown is the one webhook-config writes', async () => {
  const shown = parse(await readFile(join(DEPLOY, 'mutating-webhook.yaml'), 'utf8')) as { webhooks: Json[] };
  const files = webhookFiles({ base: new URL('https://gatehouse.gatehouse.svc'), cluster: 'CLUSTER', token: 't', caBundle: 'BASE64-OF-THE-CA-CERTIFICATE', dir: '/etc/kubernetes/gatehouse' });
  const written = parse(files['mutating-webhook.yaml'] as string) as { metadata: { name: string }; webhooks: Json[] };
  assert.equal(written.metadata.name, 'gatehouse-cluster');
  assert.deepEqual(shown.webhooks, written.webhooks);
  const admission = parse(files['admission-configuration.yaml'] as string) as Json;
  assert.deepEqual(admission, parse(await readFile(join(DEPLOY, 'apiserver', 'admission-configuration.yaml'), 'utf8')));
  assert.deepEqual(parse(files['admission-kubeconfig.yaml'] as string), { apiVersion: 'v1', kind: 'Config', users: [{ name: 'gatehouse.gatehouse.svc', user: { token: 't' } }] });
});
