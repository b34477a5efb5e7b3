/**
 * Review mi, 4: the audit log could not be asked what one access key did: no filter took a key id, where CloudTrail's LookupEvents takes `AccessKeyId` and ActionTrail's `EventAccessKeyId`.
 *
 * The first question of a leaked-key response, after "disable it", is "what did AKIA… do?": CloudTrail answers it with
 * `aws cloudtrail lookup-events --lookup-attributes AttributeKey=AccessKeyId,AttributeValue=AKIA…` (LookupAttribute's
 * valid keys: EventId, EventName, ReadOnly, Username, ResourceType, ResourceName, EventSource, AccessKeyId), Alibaba
 * ActionTrail with `EventAccessKeyId`. Records name the signing key since review mi, 2, but `GET /v1/audit` refused
 * `accessKeyId=` as an unknown parameter and `gatehouse audit query` had no option for it: an auditor read every record
 * of the user (both keys) and sorted them by hand. Now `accessKeyId=` (`--access-key-id`) lists the records a key
 * signed: its changes, the sessions it opened, the decisions about it. Real in-process server, AWS SDK v3 clients.
 *
 * Before the fix 2 of 2 tests failed.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { gatehouseJson } from './support/resource-server.ts';
import { cliAgainst } from './support/server.ts';
import { twoKeysSuite } from './support/two-keys.ts';

interface Row {
  action: string;
  resource: string;
  accessKeyId?: string;
}

describe('review mi4: the records one access key signed are listed by its id', () => {
  const world = twoKeysSuite({ byFirst: ['by-first'], bySecond: ['by-second-1', 'by-second-2'] });

  it('GET /v1/audit?accessKeyId= lists the records that key signed, and only those', async () => {
    const { server: s, second } = world();
    const r = await gatehouseJson(s.url, s.admin, 'GET', `/v1/audit?accessKeyId=${second.accessKeyId}&action=iam:CreateUser`);
    assert.equal(r.status, 200, JSON.stringify(r.json));
    const records = (r.json as { records: Row[] }).records;
    assert.deepEqual(records.map((x) => x.resource.split('/').pop()), ['by-second-1', 'by-second-2'], JSON.stringify(r.json));
    for (const x of records) assert.equal(x.accessKeyId, second.accessKeyId);
    const bad = await gatehouseJson(s.url, s.admin, 'GET', '/v1/audit?accessKeyId=not%20a%20key');
    assert.equal(bad.status, 400, JSON.stringify(bad.json));
  });

  it('audit query --access-key-id does the same', async () => {
    const s = world().server;
    const q = await cliAgainst(s, ['audit', 'query', '--access-key-id', s.admin.accessKeyId, '--action', 'iam:CreateUser', '--json']);
    assert.equal(q.status, 0, q.err);
    const rows = q.out.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Row);
    assert.deepEqual(rows.map((x) => x.resource.split('/').pop()), ['by-first'], q.out);
  });
});
