/**
 * Review js, finding 1: kube-apiserver authorizes `kubectl --as=… --as-user-extra arn=arn:aws:iam::A:user/bob` as verb
 * `impersonate` on `authentication.k8s.io` `userextras`, subresource the extra's key (`arn`), name its value; the
 * webhook's IAM view writes that `<cluster>/userextras.authentication.k8s.io/<value>/<key>`. The authorize API and
 * who-can read the path back as resource, name, subresource and one segment more, and refused it as no Kubernetes
 * request path: asked whether a user may impersonate Gatehouse's own `extra.arn` (the extra that names the IAM
 * principal of a review) with an ARN value, they answered ImplicitDeny where the webhook allows. Now the key is the last
 * segment (the last two for a domain-prefixed key, `authentication.kubernetes.io/pod-name`) and the value what lies
 * between, as kubernetesResource writes them.
 *
 * Before the fix 3 of 3 tests failed. Real server; the authorize API signed with SDK v3's SignatureV4, the review as
 * kube-apiserver sends it.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startOpsWorld, type OpsWorld } from './support/kube-ops-world.ts';

let world: OpsWorld;
let acct = '';
let cluster = '';
const admin = (method: string, path: string, body?: unknown) => world.admin(method, path, body);
const webhook = (resourceAttributes: Record<string, string>) => world.webhook(resourceAttributes);

async function authorize(resource: string): Promise<{ decision: string; text: string }> {
  const r = await admin('POST', '/v1/authorize', { principal: `arn:aws:iam::${acct}:user/alice`, action: 'kubernetes:impersonate', resource });
  return { decision: String(r['decision']), text: JSON.stringify(r) };
}

before(async () => {
  world = await startOpsWorld('extras', (acct) => [
    { apiGroups: ['authentication.k8s.io'], resources: ['userextras/arn'], resourceNames: [`arn:aws:iam::${acct}:user/bob`], verbs: ['impersonate'] },
    { apiGroups: ['authentication.k8s.io'], resources: ['userextras/authentication.kubernetes.io/pod-name'], verbs: ['impersonate'] },
  ]);
  ({ acct, cluster } = world);
});

after(async () => {
  await world?.server.stop();
});

test('impersonating extra.arn with an ARN value: the authorize API allows what the webhook allows', async () => {
  const bob = `arn:aws:iam::${acct}:user/bob`;
  assert.equal(await webhook({ verb: 'impersonate', group: 'authentication.k8s.io', version: 'v1', resource: 'userextras', subresource: 'arn', name: bob }), true);
  const d = await authorize(`${cluster}/userextras.authentication.k8s.io/${bob}/arn`);
  assert.equal(d.decision, 'Allow', d.text);
  // Another value is not in the rule's resourceNames: refused, as by the webhook.
  assert.equal(await webhook({ verb: 'impersonate', group: 'authentication.k8s.io', version: 'v1', resource: 'userextras', subresource: 'arn', name: `arn:aws:iam::${acct}:user/team/carol` }), false);
  assert.equal((await authorize(`${cluster}/userextras.authentication.k8s.io/arn:aws:iam::${acct}:user/team/carol/arn`)).decision, 'ImplicitDeny');
});

test('a domain-prefixed extra key: the last two segments are the key', async () => {
  assert.equal(await webhook({ verb: 'impersonate', group: 'authentication.k8s.io', version: 'v1', resource: 'userextras', subresource: 'authentication.kubernetes.io/pod-name', name: 'web-0' }), true);
  const d = await authorize(`${cluster}/userextras.authentication.k8s.io/web-0/authentication.kubernetes.io/pod-name`);
  assert.equal(d.decision, 'Allow', d.text);
});

test('who-can names alice as one who may impersonate extra.arn of bob', async () => {
  const r = await admin('POST', '/v1/who-can', { action: 'kubernetes:impersonate', resource: `${cluster}/userextras.authentication.k8s.io/arn:aws:iam::${acct}:user/bob/arn` });
  assert.match(JSON.stringify(r), /user\/alice/);
});
