/**
 * Review nm, 3: `audit query --principal acs:ram::A:assumed-role/R/S` (`GET /v1/audit?principal=`), the ARN Alibaba's
 * GetCallerIdentity gives a RAM role session (and this server's Alibaba STS answers, review fn, 5), matched no record:
 * "no records match", as if the session had done nothing.
 *
 * The contract: issue 7's audit query filters by principal, and README §7 says records name a role session "by its own
 * ARN"; for an `acs` account that ARN has two spellings, `acs:ram::A:role/R/S` (AssumeRole's `AssumedRoleUser.Arn`,
 * the one records carry) and `acs:ram::A:assumed-role/R/S` (GetCallerIdentity's), which the server already reads as one
 * session everywhere else (src/core/sts/session.ts `parseSessionArn`; the authorize API, review gu, 2; revocation).
 * A resource server or an operator that learnt who the caller was from GetCallerIdentity, as Alibaba's clients do,
 * asked the audit log with that ARN and was told the session did nothing. Now the filter reads the `assumed-role`
 * spelling as the session's recorded ARN. Real server on 127.0.0.1, Alibaba's own STS client (`@alicloud/sts20150401`).
 *
 * Before the fix 1 of 2 tests failed.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import StsModule from '@alicloud/sts20150401';
import type { AuditRecord } from '../src/core/audit/index.ts';
import { alibabaStsWorld } from './support/alibaba-sts.ts';
import { gatehouseJson } from './support/resource-server.ts';

// A CommonJS module: its ES default is `module.exports`.
const { AssumeRoleRequest } = StsModule;

const ACS = '350000000093';

describe('review nm3: a RAM role session is found by the ARN GetCallerIdentity gives it', () => {
  const w = alibabaStsWorld(ACS);
  let identified = '';
  let assumedArn = '';
  before(async () => {
    const assumed = await w.client(w.bob).assumeRole(new AssumeRoleRequest({ roleArn: `acs:ram::${ACS}:role/reader`, roleSessionName: 'nm3', durationSeconds: 900 }));
    const c = assumed.body?.credentials;
    assumedArn = assumed.body?.assumedRoleUser?.arn ?? '';
    const session = { accessKeyId: c?.accessKeyId ?? '', accessKeySecret: c?.accessKeySecret ?? '', securityToken: c?.securityToken ?? '' };
    identified = (await w.client(session).getCallerIdentity()).body?.arn ?? '';
    assert.equal(identified, `acs:ram::${ACS}:assumed-role/reader/nm3`);
    // What the session did: a chained AssumeRole its role may not make, recorded under the session.
    await assert.rejects(w.client(session).assumeRole(new AssumeRoleRequest({ roleArn: `acs:ram::${ACS}:role/reader`, roleSessionName: 'nm3-chained', durationSeconds: 900 })));
    await w.server.running.app.audit.flush();
  });

  const byPrincipal = async (arn: string): Promise<AuditRecord[]> => {
    const r = await gatehouseJson(w.server.url, w.server.admin, 'GET', `/v1/audit?principal=${encodeURIComponent(arn)}&limit=1000`);
    assert.equal(r.status, 200, JSON.stringify(r.json));
    return (r.json as { records: AuditRecord[] }).records;
  };

  it("the session's records, asked by AssumeRole's spelling of its ARN", async () => {
    const records = await byPrincipal(assumedArn);
    assert.deepEqual(records.map((x) => [x.action, x.decision, x.detail['sessionName']]), [['sts:AssumeRole', 'Deny', 'nm3-chained']], JSON.stringify(records));
  });

  it("the same records, asked by GetCallerIdentity's spelling (assumed-role)", async () => {
    const recorded = await byPrincipal(assumedArn);
    const records = await byPrincipal(identified);
    assert.deepEqual(records.map((x) => x.seq), recorded.map((x) => x.seq), JSON.stringify(records));
    assert.ok(records.length > 0);
  });
});
