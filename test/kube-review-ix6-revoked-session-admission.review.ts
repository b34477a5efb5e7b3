/**
 * Review ix, 6: admission read a revoked or expired session as its role, without the session's own policies. A role
 * session's TokenReview carries the session sealed (`extra["gatehouse.dev/session"]`), and admission reads the Deny
 * statements of the requesting user as that session: its role's policies and its session policies (review ij, 1). Once
 * the session was revoked (`gatehouse sts revoke-sessions`) or had expired — while kube-apiserver still held its
 * TokenReview (two minutes by default, often more) and the authorization webhook's no opinion left `create pods` to the
 * cluster's own RBAC — admission fell back to the session's role: a `Deny kubernetes:impersonate` in the session policy
 * no longer applied, and a pod running as the service account it named was admitted, for a session revoked for cause.
 * The SubjectAccessReviews of such a session get nothing from Gatehouse's RBAC (review R, R1); admission now refuses the
 * pod too (403 saying the session was revoked or expired), as it refuses a principal it cannot read (review ix, 2).
 *
 * Before the fix 1 of 3 tests failed.
 *
 * Real server; role `ci` assumed through SDK v3 with a session policy, its token presigned and reviewed by the
 * TokenReview webhook; AdmissionReviews as kube-apiserver sends them; the session revoked through the admin API.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from './support/server.ts';
import { ciSessionOnK1, type CiSession } from './support/kube-session.ts';
import { admit } from './support/admission.ts';
import { gatehouseJson } from './support/resource-server.ts';

let server: TestServer;
let ci: CiSession;
let uid = 0;

async function podCreate(namespace: string, serviceAccountName: string) {
  const object = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'x', namespace }, spec: { serviceAccountName, containers: [{ name: 'c', image: 'busybox' }] } };
  return admit(server.url, 'k1', ci.bearer, {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid: `00000000-0000-4000-8000-${String(++uid).padStart(12, '0')}`,
      kind: { group: '', version: 'v1', kind: 'Pod' },
      resource: { group: '', version: 'v1', resource: 'pods' },
      requestKind: { group: '', version: 'v1', kind: 'Pod' },
      requestResource: { group: '', version: 'v1', resource: 'pods' },
      name: 'x',
      namespace,
      operation: 'CREATE',
      userInfo: ci.user,
      object,
      oldObject: null,
      dryRun: false,
      options: { apiVersion: 'meta.k8s.io/v1', kind: 'CreateOptions' },
    },
  });
}

before(async () => {
  server = await startTestServer();
  ci = await ciSessionOnK1(server, (cluster) =>
    JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: '*', Resource: '*' },
        { Effect: 'Deny', Action: 'kubernetes:impersonate', Resource: `${cluster}/namespaces/prod/serviceaccounts/deployer` },
      ],
    }),
  );
});

after(async () => {
  await server?.stop();
});

test('the live session is refused a pod running as the account its session policy denies', async () => {
  const r = await podCreate('prod', 'deployer');
  assert.equal(r['allowed'], false, JSON.stringify(r));
  assert.equal((await podCreate('dev', 'default'))['allowed'], true);
});

test('revoked, its cached TokenReview user is refused every pod, saying so', async () => {
  const acct = server.adminFile.AccountId;
  const revoked = await gatehouseJson(server.url, server.admin, 'POST', '/v1/sts/revoke-sessions', { roleArn: `arn:aws:iam::${acct}:role/ci` });
  assert.equal(revoked.status, 200, JSON.stringify(revoked.json));
  for (const [ns, sa] of [['prod', 'deployer'], ['dev', 'default']] as const) {
    const r = await podCreate(ns, sa);
    assert.equal(r['allowed'], false, `${ns}/${sa}: ${JSON.stringify(r)}`);
    assert.match((r['status'] as { message: string }).message, /revoked/);
  }
});

test('its SubjectAccessReviews get nothing from Gatehouse, as before', async () => {
  const s = await ci.review({ verb: 'get', resource: 'pods', namespace: 'dev', name: 'x' });
  assert.equal(s['allowed'], false, JSON.stringify(s));
});
