/**
 * Audit records read as an operator reads them. `auditRecordsFrom`: every record one source address left, `GET /v1/audit`
 * page after page, once what is queued has been written (reviews kn1, kn2: what the flood limit's summaries say).
 * `accountAdminSuite` and `ownAuditRecords`: a server with a second account's admin, and what each account reads of
 * its own log (reviews sy3, to3: a cross-account decision's two copies). `refusedCallerIdentities`: the refused
 * authentications of one key an account reads (reviews tr1, um1, um2).
 */
import assert from 'node:assert/strict';
import type { AuditRecord } from '../../src/core/audit/index.ts';
import { gatehouseJson } from './resource-server.ts';
import { accountAdmin, startTestServer, type Credentials, type TestServer } from './server.ts';
import { suiteWorld } from './suite-world.ts';

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

/**
 * For the suite this is called in: a server with account `id`'s (aws partition) admin, the app refreshed so that it is
 * known. The world, read once the suite's `before` has run (suite-world.ts).
 */
export function accountAdminSuite(id: string): () => { s: TestServer; admin: Credentials } {
  return suiteWorld('accountAdminSuite', async (cleanUp) => {
    const s = await startTestServer();
    cleanUp(() => s.stop());
    const admin = await accountAdmin(s, id, 'aws');
    await s.running.app.refresh();
    return { s, admin };
  });
}

/** The audit records `who` reads of its own account: `GET /v1/audit?<query>&limit=1000`, 200 asserted. */
export async function ownAuditRecords(s: Pick<TestServer, 'url'>, who: Credentials, query: string): Promise<AuditRecord[]> {
  const r = await gatehouseJson(s.url, who, 'GET', `/v1/audit?${query}&limit=1000`);
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return r.json['records'] as AuditRecord[];
}

/**
 * The refused authentications naming access key `keyId` that `who` reads in `account`'s log, once what is queued has
 * been written: the `sts:GetCallerIdentity` decisions with `detail.authentication` (a refused TokenReview, a refused
 * Alibaba STS request), `detail.accessKeyId` the key's.
 */
export async function refusedCallerIdentities(s: TestServer, who: Credentials, account: string, keyId: string): Promise<AuditRecord[]> {
  await s.running.app.audit.flush();
  const records = await ownAuditRecords(s, who, `kind=decision&action=sts:GetCallerIdentity&account=${account}`);
  return records.filter((x) => x.detail['accessKeyId'] === keyId && x.detail['authentication'] !== undefined);
}
