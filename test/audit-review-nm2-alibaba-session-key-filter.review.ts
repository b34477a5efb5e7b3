/**
 * Review nm, 2: `audit query --access-key-id STS.…` (`GET /v1/audit?accessKeyId=STS.…`) was refused: the temporary key
 * of an Alibaba-style session could not be looked up at all.
 *
 * The contract (README §7, review mi, 4): "What one access key did, as CloudTrail's lookup by `AccessKeyId` answers it
 * … a session's own `ASIA…` key lists what that session did"; Alibaba's STS issues its temporary keys as `STS.` and 24
 * more characters (src/core/sts/key-id.ts, TEMPORARY_KEY_PREFIX.acs; reference/credential-protocols.md), and records
 * of what such a session signed name that key in `accessKeyId`, as the refusals that claimed it name it in
 * `detail.accessKeyId` (src/app/auth-failures.ts takes `STS.` ids). The filter took only `[A-Za-z0-9_]{16,128}` and
 * answered `STS.…` with 400 VALIDATION_ERROR, so what a leaked Alibaba session key did, or was tried for, could not be
 * asked. Now the filter takes an access key id as the server issues and records them, `STS.` ones included, and still
 * refuses anything else. Real server on 127.0.0.1, Alibaba's own STS client (`@alicloud/sts20150401`).
 *
 * Before the fix 2 of 3 tests failed.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import StsModule from '@alicloud/sts20150401';
import type { AuditRecord } from '../src/core/audit/index.ts';
import { alibabaStsWorld } from './support/alibaba-sts.ts';
import { gatehouseJson } from './support/resource-server.ts';

// A CommonJS module: its ES default is `module.exports`.
const { AssumeRoleRequest } = StsModule;

const ACS = '350000000091';

describe('review nm2: an Alibaba session key (STS.…) is a key the audit filter takes', () => {
  const w = alibabaStsWorld(ACS);
  let key = '';
  before(async () => {
    const assumed = await w.client(w.bob).assumeRole(new AssumeRoleRequest({ roleArn: `acs:ram::${ACS}:role/reader`, roleSessionName: 'nm2', durationSeconds: 900 }));
    const c = assumed.body?.credentials;
    key = c?.accessKeyId ?? '';
    assert.match(key, /^STS\.[A-Z2-7]{24}$/);
    const session = { accessKeyId: key, accessKeySecret: c?.accessKeySecret ?? '', securityToken: c?.securityToken ?? '' };
    // What the session signed (a chained AssumeRole its role may not make), and a use of its key without its token.
    await assert.rejects(w.client(session).assumeRole(new AssumeRoleRequest({ roleArn: `acs:ram::${ACS}:role/reader`, roleSessionName: 'nm2-chained', durationSeconds: 900 })));
    await assert.rejects(w.client({ accessKeyId: key, accessKeySecret: session.accessKeySecret }).getCallerIdentity());
    await w.server.running.app.audit.flush();
  });

  const byKey = (id: string) => gatehouseJson(w.server.url, w.server.admin, 'GET', `/v1/audit?accessKeyId=${encodeURIComponent(id)}&limit=1000`);

  it("accessKeyId=STS.… lists what the session signed, naming the session's key", async () => {
    const r = await byKey(key);
    assert.equal(r.status, 200, JSON.stringify(r.json));
    const records = (r.json as { records: AuditRecord[] }).records;
    const signed = records.filter((x) => x.accessKeyId === key);
    assert.ok(signed.length >= 1, `a record names the session's key as its signer: ${JSON.stringify(records)}`);
    assert.ok(signed.every((x) => x.account === ACS && /:(?:assumed-)?role\/reader\/nm2$/.test(x.principal) && x.detail['sessionName'] === 'nm2-chained'), JSON.stringify(signed));
  });

  it('accessKeyId=STS.… lists the refused use of the key without its token', async () => {
    const r = await byKey(key);
    assert.equal(r.status, 200, JSON.stringify(r.json));
    const refused = (r.json as { records: AuditRecord[] }).records.filter((x) => x.detail['authentication'] !== undefined);
    assert.deepEqual(refused.map((x) => [x.decision, x.detail['accessKeyId'], x.accessKeyId]), [['Deny', key, undefined]], JSON.stringify(refused));
  });

  it('what is not an access key id is still refused, saying what one is', async () => {
    for (const bad of ['STS.', 'STS.AB', 'STS..AAAAAAAAAAAAAAAAAAAAAAAA', 'AKIA-AAAAAAAAAAAAAAAA', 'x'.repeat(129)]) {
      const r = await byKey(bad);
      assert.equal(r.status, 400, `${bad}: ${JSON.stringify(r.json)}`);
      assert.match(JSON.stringify(r.json), /access key id/, bad);
    }
  });
});
