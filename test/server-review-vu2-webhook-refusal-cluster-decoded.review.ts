/**
 * Review vu, 2: a Kubernetes webhook call refused for its bearer token (none, or not the cluster's) was recorded with
 * the cluster as the request path spelt it, percent-encoded. The kubeconfigs `gatehouse kube webhook-config` writes
 * (src/adapters/cli/commands/kube.ts) encode the cluster's name in the URL as RFC 3986 has it, so for a cluster
 * `ml@east` (a cluster name may hold `+=,.@_-`) kube-apiserver calls `/k8s/ml%40east/authorize`, and its refusals were
 * recorded as `POST /k8s/ml%40east/authorize`, while a caller sending `/k8s/ml@east/authorize` was recorded as
 * `POST /k8s/ml@east/authorize`: one webhook, two actions, and an auditor's `audit query --action` with the cluster's
 * name missed the refusals of the very kube-apiserver the server had configured.
 *
 * Now the action names the cluster as the route reads it (decoded), with only what would make it ambiguous or
 * unreadable (`/`, `%`, `?`, `#`, spaces, control and format characters) percent-encoded, as review vu, 1 names the
 * admin API's paths. The answer is unchanged: 401.
 *
 * Real in-process server (SQLite); raw HTTP requests; records read as the root admin.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { auditRecords, startTestServer, type TestServer } from './support/server.ts';

const REVIEW = JSON.stringify({ apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', spec: { user: 'x' } });

describe('review vu2: a refused webhook caller is recorded with the cluster as routed, not as percent-encoded', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
  });
  after(() => s?.stop());

  const call = async (path: string, token?: string): Promise<number> => {
    const r = await fetch(`${s.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...(token === undefined ? {} : { authorization: `Bearer ${token}` }) }, body: REVIEW });
    await r.arrayBuffer();
    return r.status;
  };

  it('as the kubeconfig spells it (`ml%40east`) and as sent plainly (`ml@east`): one action, the cluster’s name', async () => {
    assert.equal(await call('/k8s/vu2-ml%40east/authorize'), 401);
    assert.equal(await call('/k8s/vu2-ml@east/authorize', 'not-the-token'), 401);
    const records = await auditRecords(s, { action: 'POST /k8s/vu2-ml@east/authorize' });
    assert.deepEqual(
      records.map((r) => [r.principal, r.decision, r.detail['message']]),
      [
        ['anonymous', 'Deny', 'no webhook bearer token'],
        ['anonymous', 'Deny', "the webhook bearer token is not the cluster's"],
      ],
    );
    assert.equal((await auditRecords(s, { action: 'POST /k8s/vu2-ml%40east/authorize' })).length, 0);
  });

  it('a name that would reorder or hide what follows it stays percent-encoded in the record', async () => {
    assert.equal(await call('/k8s/vu2-a%E2%80%AEb%0A%2F/admit'), 401);
    assert.equal((await auditRecords(s, { action: 'POST /k8s/vu2-a%E2%80%AEb%0A%2F/admit' })).length, 1);
  });
});
