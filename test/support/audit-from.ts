/**
 * Every audit record one source address left, read as an operator reads them: `GET /v1/audit`, page after page, once
 * what is queued has been written (reviews kn1, kn2: what the flood limit's summaries say).
 */
import assert from 'node:assert/strict';
import type { AuditRecord } from '../../src/core/audit/index.ts';
import { gatehouseJson } from './resource-server.ts';
import type { TestServer } from './server.ts';

export async function auditRecordsFrom(s: TestServer, ip: string): Promise<AuditRecord[]> {
  await s.running.app.audit.flush();
  const out: AuditRecord[] = [];
  let since = 0;
  for (;;) {
    const r = await gatehouseJson(s.url, s.admin, 'GET', `/v1/audit?after=${since}&limit=1000`);
    assert.equal(r.status, 200, JSON.stringify(r.json));
    const page = r.json as { records: AuditRecord[]; next?: string };
    out.push(...page.records.filter((x) => x.sourceIp === ip));
    since = page.records.at(-1)?.seq ?? since;
    if (page.next === undefined) return out;
  }
}
