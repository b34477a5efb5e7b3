/**
 * A server with users alice and bob and a cluster on which alice has an access entry (made by `gatehouse apply`), and
 * its audit records of one action read as an operator reads them (reviews pk2, px1: which action and resource each door
 * of an access entry's change records).
 */
import assert from 'node:assert/strict';
import type { AuditRecord } from '../../src/core/audit/index.ts';
import { gatehouseJson } from './resource-server.ts';
import { startTestServer, type TestServer } from './server.ts';

export const ROOT = '000000000000';

const doc = (kind: string, name: string, spec: Record<string, unknown>) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name }, spec });

export async function startWithAccessEntry(cluster: string): Promise<TestServer> {
  const s = await startTestServer();
  const applied = await gatehouseJson(s.url, s.admin, 'POST', '/v1/apply', {
    documents: [
      doc('User', 'alice', {}),
      doc('User', 'bob', {}),
      doc('Cluster', cluster, {}),
      doc('AccessEntry', 'alice-entry', { cluster, principalArn: `arn:aws:iam::${ROOT}:user/alice`, kubernetesGroups: ['viewers'] }),
    ],
  });
  assert.equal(applied.status, 200, JSON.stringify(applied.json));
  await s.running.app.refresh();
  return s;
}

/** Every audit record of `action` (`GET /v1/audit?action=`), once what is queued has been written. */
export async function auditByAction(s: TestServer, action: string): Promise<AuditRecord[]> {
  await s.running.app.audit.flush();
  const r = await gatehouseJson(s.url, s.admin, 'GET', `/v1/audit?action=${encodeURIComponent(action)}&limit=1000`);
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return r.json['records'] as AuditRecord[];
}
