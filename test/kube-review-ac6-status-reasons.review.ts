/**
 * Review ac, finding 6: the webhooks' Kubernetes `Status` failures named the reason `BadRequest` for a 405 (a GET, or
 * any method but POST), where apimachinery's `StatusReason` for it is `MethodNotAllowed`; client-go classifies an error
 * by its reason (`apierrors.IsMethodNotSupported`), so the wrong one misleads whatever reads it. Each code answered now
 * has its own reason. Real server; requests to /k8s/{cluster}/… with the cluster's bearer token.
 */
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, type TestServer } from './support/server.ts';

let server: TestServer;
let bearer = '';

before(async () => {
  server = await startTestServer();
  const r = await gatehouseJson(server.url, server.admin, 'POST', '/v1/apply', { documents: [{ apiVersion: 'gatehouse.dev/v1', kind: 'Cluster', metadata: { name: 'k1' }, spec: {} }] });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  bearer = String((await gatehouseJson(server.url, server.admin, 'POST', '/v1/clusters/k1/webhook-config', {})).json['token']);
});
after(() => server?.stop());

it('each failure carries the StatusReason of its code (review ac, 6)', async () => {
  const ask = async (method: string, path: string, body?: string): Promise<[number, unknown, unknown]> => {
    const r = await fetch(`${server.url}${path}`, { method, headers: { authorization: `Bearer ${bearer}` }, ...(body !== undefined ? { body } : {}) });
    const j = (await r.json()) as Record<string, unknown>;
    return [r.status, j['kind'], j['reason']];
  };
  assert.deepEqual(await ask('GET', '/k8s/k1/authorize'), [405, 'Status', 'MethodNotAllowed']);
  assert.deepEqual(await ask('PUT', '/k8s/k1/admit', '{}'), [405, 'Status', 'MethodNotAllowed']);
  assert.deepEqual(await ask('POST', '/k8s/k1/authorize', 'nope'), [400, 'Status', 'BadRequest']);
  assert.deepEqual(await ask('POST', '/k8s/k1/other', '{}'), [404, 'Status', 'NotFound']);
});
