/**
 * Review mf, 3: a `kubernetes:<verb>` question is the SubjectAccessReview webhook's, on a cluster's ARN or a request
 * path under it (`arn:aws:training::A:cluster/c/namespaces/ns/secrets/s`), where IAM only denies and the cluster's RBAC
 * alone allows (docs/semantics.md; review ej, 3). The authorize API recognised it by the exact spelling
 * `…:training::A:cluster/<name>`: asked on any other resource (`arn:aws:training::A:Cluster/c/namespaces/…`, the
 * resource type in another case; `…:cluster//namespaces/…`, no cluster's name; `*`; an S3 ARN) it was decided as a
 * resource server's action, and an `Action: *` user without an access entry was answered Allow to read secrets, where
 * every cluster refuses. ARNs are case-sensitive (IAM User Guide, "IAM identifiers": ARNs), so `Cluster/c` names no
 * cluster, and no Kubernetes request is named by such a resource; a resource server taking that Allow (a proxy in
 * front of a cluster that builds the ARN wrong) let the request in. Now such a question is 400 VALIDATION_ERROR at
 * `resource`, saying what a Kubernetes question names. Questions on a cluster's ARN or under it are decided as before.
 *
 * Before the fix 2 of 3 tests failed.
 *
 * Real server, SigV4-signed /v1/ calls.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

const ROOT = '000000000000';
const CAROL = `arn:aws:iam::${ROOT}:user/carol`;
const doc = (kind: string, name: string, spec: Record<string, unknown>) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name }, spec });

describe('a kubernetes: question on what is no cluster nor a path under one', () => {
  let server: TestServer;
  const ask = (action: string, resource: string) => gatehouseJson(server.url, server.admin, 'POST', '/v1/authorize', { principal: CAROL, action, resource });

  before(async () => {
    server = await startTestServer();
    const setup = await gatehouseJson(server.url, server.admin, 'POST', '/v1/apply', {
      documents: [doc('Cluster', 'c1', {}), doc('User', 'carol', { inlinePolicies: { all: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] } } })],
    });
    assert.equal(setup.status, 200, JSON.stringify(setup.json));
  });
  after(() => server?.stop());

  test('on a misspelt cluster ARN it is refused, not allowed by Action: *', async () => {
    // The type in another case is named with the ARN to ask about (review mf, 4).
    for (const [resource, says] of [
      [`arn:aws:training::${ROOT}:Cluster/c1/namespaces/team/secrets/db`, /ask about `arn:aws:training::\d{12}:cluster\/c1\/namespaces\/team\/secrets\/db`/],
      [`arn:aws:training::${ROOT}:cluster//namespaces/team/secrets/db`, /cluster's ARN or a request path under it/],
    ] as const) {
      const r = await ask('kubernetes:get', resource);
      assert.equal(r.status, 400, `${resource}: ${JSON.stringify(r.json)}`);
      const e = r.json['error'] as Record<string, unknown> | undefined;
      assert.equal(e?.['gatehouseCode'], 'VALIDATION_ERROR', JSON.stringify(r.json));
      assert.equal((e?.['details'] as { path: string }[] | undefined)?.[0]?.path, 'resource', JSON.stringify(r.json));
      assert.match(String(e?.['message']), says, JSON.stringify(r.json));
    }
  });

  test('on `*` or another service’s ARN it is refused', async () => {
    for (const resource of ['*', 'arn:aws:s3:::data/k']) {
      const r = await ask('Kubernetes:List', resource);
      assert.equal(r.status, 400, `${resource}: ${JSON.stringify(r.json)}`);
    }
  });

  test('on the cluster and under it, it is decided as the webhook decides it', async () => {
    for (const resource of [`arn:aws:training::${ROOT}:cluster/c1`, `arn:aws:training::${ROOT}:cluster/c1/namespaces/team/secrets/db`, `acs:pai::${ROOT}:cluster/c1/api`]) {
      const r = await ask('kubernetes:get', resource);
      assert.equal(r.status, 200, JSON.stringify(r.json));
      assert.equal(r.json['decision'], 'ImplicitDeny', resource);
    }
  });
});
