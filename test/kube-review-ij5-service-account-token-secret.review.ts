/**
 * Review ij, 5: a Secret of type `kubernetes.io/service-account-token` got past an IAM deny on impersonating the service
 * account it names. kube-controller-manager's token controller fills such a Secret (`metadata.annotations
 * ["kubernetes.io/service-account.name"]: deployer`) with a long-lived bearer token of
 * `system:serviceaccount:<ns>:deployer` (Kubernetes' "Manually create a long-lived API token for a ServiceAccount"; the
 * RBAC good practices name `create secrets` among the rights that reach service accounts' tokens). Its
 * SubjectAccessReview is `create secrets`, which names the Secret, not the account, so a `Deny kubernetes:impersonate`
 * on the account, which refuses `kubectl --as`, `kubectl create token` (review ia, 1) and a pod running as it (review ij,
 * 1), did not reach it, and the webhook never saw Secrets. The MutatingWebhookConfiguration `webhook-config` writes now
 * sends it token Secrets (a webhook of its own, whose `matchConditions` leaves every other Secret out), and one naming
 * an account the requesting user is explicitly denied impersonating is refused, on creation or when an update names
 * another account; other Secrets and accounts no Deny reaches are admitted as before.
 *
 * Before the fix 3 of 4 tests failed.
 *
 * Real server; alice's token presigned by SDK v3's SignatureV4 and reviewed by the TokenReview webhook; AdmissionReviews
 * as kube-apiserver sends them.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { startTestServer, type TestServer } from './support/server.ts';
import { aliceOnK1, type AliceOnK1 } from './support/kube-session.ts';
import { admit } from './support/admission.ts';
import { webhookFiles } from '../src/adapters/cli/commands/kube.ts';

let server: TestServer;
let k1: AliceOnK1;
let uid = 0;
const TOKEN = 'kubernetes.io/service-account-token';

const secret = (namespace: string, name: string, type: string, account?: string, labels?: Record<string, string>) => ({
  apiVersion: 'v1',
  kind: 'Secret',
  type,
  metadata: { name, namespace, ...(account !== undefined ? { annotations: { 'kubernetes.io/service-account.name': account } } : {}), ...(labels !== undefined ? { labels } : {}) },
});

async function review(operation: 'CREATE' | 'UPDATE', object: Record<string, unknown>, oldObject: Record<string, unknown> | null = null) {
  const meta = object['metadata'] as { name: string; namespace: string };
  const kind = { group: '', version: 'v1', kind: 'Secret' };
  return admit(server.url, 'k1', k1.bearer, {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid: `00000000-0000-4000-8000-${String(++uid).padStart(12, '0')}`,
      kind,
      resource: { group: '', version: 'v1', resource: 'secrets' },
      requestKind: kind,
      requestResource: { group: '', version: 'v1', resource: 'secrets' },
      name: meta.name,
      namespace: meta.namespace,
      operation,
      userInfo: k1.user,
      object,
      oldObject,
      dryRun: false,
      options: { apiVersion: 'meta.k8s.io/v1', kind: operation === 'CREATE' ? 'CreateOptions' : 'UpdateOptions' },
    },
  });
}

before(async () => {
  server = await startTestServer();
  k1 = await aliceOnK1(server, {
    inlinePolicies: (cluster) => ({ 'not-deployer': { Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 'kubernetes:impersonate', Resource: `${cluster}/namespaces/prod/serviceaccounts/deployer` }] } }),
    group: 'devs',
    rbac: [],
  });
});

after(async () => {
  await server?.stop();
});

test('a token Secret of a service account alice is denied impersonating is refused, naming the Deny', async () => {
  const r = await review('CREATE', secret('prod', 'deployer-token', TOKEN, 'deployer'));
  assert.equal(r['allowed'], false, JSON.stringify(r));
  const status = r['status'] as { code: number; message: string };
  assert.equal(status.code, 403);
  assert.match(status.message, /^secret prod\/deployer-token is a token of service account prod\/deployer/);
  assert.match(status.message, /kubernetes:impersonate on resource: arn:aws:training::\d{12}:cluster\/k1\/namespaces\/prod\/serviceaccounts\/deployer with an explicit deny/);
});

test('an update that makes a token Secret name that account is refused too', async () => {
  const r = await review('UPDATE', secret('prod', 't', TOKEN, 'deployer'), secret('prod', 't', TOKEN, 'builder'));
  assert.equal(r['allowed'], false, JSON.stringify(r));
});

test("the webhook-config files send token Secrets, and no other, to the webhook", () => {
  const files = webhookFiles({ base: new URL('https://gatehouse.example:8443'), cluster: 'k1', token: 't', dir: '/etc/gatehouse' });
  const config = parse(files['mutating-webhook.yaml'] ?? '') as { webhooks: { name: string; rules: { resources: string[] }[]; matchConditions?: { expression: string }[] }[] };
  const hook = config.webhooks.find((w) => w.rules.some((r) => r.resources.includes('secrets')));
  assert.ok(hook, JSON.stringify(config.webhooks.map((w) => w.name)));
  assert.match(hook.matchConditions?.[0]?.expression ?? '', /object\.type == 'kubernetes\.io\/service-account-token'/);
});

test('other Secrets, and token Secrets of accounts no Deny reaches, are admitted as before', async () => {
  for (const [op, obj, old] of [
    ['CREATE', secret('prod', 'a', 'Opaque', 'deployer'), null],
    ['CREATE', secret('prod', 'b', TOKEN, 'builder'), null],
    ['CREATE', secret('dev', 'c', TOKEN, 'deployer'), null],
    // Labelling a token Secret that already names the account mints nothing new.
    ['UPDATE', secret('prod', 'd', TOKEN, 'deployer', { team: 'ml' }), secret('prod', 'd', TOKEN, 'deployer')],
  ] as const) {
    const r = await review(op, obj, old);
    assert.equal(r['allowed'], true, `${op} ${JSON.stringify(obj)}: ${JSON.stringify(r)}`);
  }
});
