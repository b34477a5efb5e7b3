/**
 * Review kl, 2: a non-resource request's path had no bound. Any authenticated Kubernetes user can make kube-apiserver
 * send a SubjectAccessReview naming any `nonResourceAttributes.path` (a SelfSubjectAccessReview is forwarded as written;
 * a real request's URL may be up to kube-apiserver's 1 MiB header limit), and the webhook matched each Deny pattern of
 * its IAM views through the whole path: a 48 KB path cost 5 to 27 ms of CPU a review. One rule for both doors
 * (src/core/kube/limits.ts `MAX_NON_RESOURCE_PATH`, 4,096 characters, Linux's PATH_MAX: the longest non-resource URLs
 * kube-apiserver serves by name are the files under `/logs/`): a longer path is refused with a 400 naming
 * `spec.nonResourceAttributes.path`, its length and the bound, without repeating it; the authorize API's
 * `kubernetes:<verb>` on `<cluster>/<path>` applies the same rule (there every resource is also at most 2,048
 * characters). Paths up to the bound are decided as before, a Deny reaching them included.
 *
 * Before the fix 2 of 3 tests failed.
 *
 * Real server; alice's token presigned by SDK v3's SignatureV4 (as `aws eks get-token`) and reviewed by the TokenReview
 * webhook; the reviews in the JSON kube-apiserver sends.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from './support/server.ts';
import { aliceOnK1, type AliceOnK1 } from './support/kube-session.ts';
import { kubernetesPathOverLimit } from '../src/core/kube/index.ts';

let server: TestServer;
let k1: AliceOnK1;
const GROUP = 'rbac.authorization.k8s.io';

async function review(nonResourceAttributes: Record<string, string>): Promise<{ status: number; json: Record<string, unknown> }> {
  const user = k1.user;
  const r = await fetch(`${server.url}/k8s/k1/authorize`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${k1.bearer}` },
    body: JSON.stringify({ apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', spec: { nonResourceAttributes, user: user.username, groups: user.groups, extra: user.extra } }),
  });
  return { status: r.status, json: (await r.json()) as Record<string, unknown> };
}

const pathOf = (n: number, from = '/logs/') => (from + 'a-prod/x-y'.repeat(Math.ceil(n / 10))).slice(0, n);
const status = (json: Record<string, unknown>) => json['status'] as { allowed?: boolean; denied?: boolean; reason?: string };

before(async () => {
  server = await startTestServer();
  k1 = await aliceOnK1(server, {
    inlinePolicies: (c) => ({ guards: { Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 'kubernetes:*', Resource: [`${c}/logs/*secret*`, `${c}/debug/*/*-prod-*`] }] } }),
    group: 'ops',
    rbac: [
      { apiVersion: `${GROUP}/v1`, kind: 'ClusterRole', metadata: { name: 'ops' }, rules: [{ nonResourceURLs: ['*'], verbs: ['*'] }] },
      { apiVersion: `${GROUP}/v1`, kind: 'ClusterRoleBinding', metadata: { name: 'ops' }, subjects: [{ kind: 'Group', name: 'ops', apiGroup: GROUP }], roleRef: { kind: 'ClusterRole', name: 'ops', apiGroup: GROUP } },
    ],
  });
});

after(async () => {
  await server?.stop();
});

test('a review naming a 48 KB non-resource path is refused at once, naming the field and the bound', async () => {
  for (const verb of ['get', '*']) {
    const r = await review({ verb, path: pathOf(48_000) });
    assert.equal(r.status, 400, JSON.stringify(r.json).slice(0, 300));
    assert.equal(r.json['kind'], 'Status');
    assert.match(String(r.json['message']), /`spec\.nonResourceAttributes\.path` is 48000 characters; .*at most 4096/);
    assert.ok(String(r.json['message']).length < 500, 'the message does not repeat the value');
  }
  assert.equal((await review({ verb: 'get', path: pathOf(4097) })).status, 400);
});

test('paths up to 4,096 characters are decided as before, a Deny reaching them included', async () => {
  const ok = await review({ verb: 'get', path: pathOf(4096) });
  assert.equal(ok.status, 200, JSON.stringify(ok.json).slice(0, 300));
  assert.equal(status(ok.json).allowed, true, status(ok.json).reason);
  const denied = await review({ verb: 'get', path: `${pathOf(4000)}-secret` });
  assert.equal(denied.status, 200, JSON.stringify(denied.json).slice(0, 300));
  assert.deepEqual([status(denied.json).allowed, status(denied.json).denied], [false, true]);
});

test("the authorize API's door applies the same rule to `<cluster>/<path>`", () => {
  const cluster = 'arn:aws:training::123456789012:cluster/k1';
  assert.equal(kubernetesPathOverLimit(`${cluster}${pathOf(4096)}`), undefined);
  const over = kubernetesPathOverLimit(`${cluster}${pathOf(5000, '/healthz/')}`);
  assert.equal(over?.attribute, 'path');
  assert.equal(over?.length, 5000);
  assert.equal(over?.max, 4096);
});
