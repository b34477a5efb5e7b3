/**
 * Review vm, 5: who-can left out the principals beyond the account that a resource policy would let in when its Allow
 * statement's conditions did not hold for the question's context. A bucket policy letting another account read "from
 * the office" (`IpAddress aws:SourceIp 10.0.0.0/8`) was listed in `grantedByResourcePolicy` only when the question gave
 * an address in it, and asked without one it was in no list at all, where the account's own principals under the same
 * condition are listed apart (`conditionallyExcluded`, review dv, 1: "asked without --context, someone who can read from
 * the office network is not silently missing"), as bindings' are since review vm, 3. Such grants are now listed in
 * `conditionallyExcludedByResourcePolicy` (`grantedByResourcePolicy`'s counterpart; conditional, with the Allow's
 * conditions), named in the note and printed by `gatehouse who-can`; one an explicit Deny refuses is not, as in
 * `conditionallyExcluded`; asked from the office, the grant is in `grantedByResourcePolicy` alone, as before.
 * Real server, SigV4-signed /v1/ requests, CLI in process.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { gatehouseJson } from './support/resource-server.ts';
import { accountAdmin, cliAgainst, startTestServer, type TestServer } from './support/server.ts';

const B = '111122223333';
const C = '222233334444';
const BUCKET = 'arn:aws:s3:::vm5';
const OBJECT = `${BUCKET}/k`;

type Grant = { principal: string; policy: string; statement: number; conditional: boolean; conditions: string[]; unless: string[] };
type Answer = { grantedByResourcePolicy: Grant[]; conditionallyExcludedByResourcePolicy?: Grant[]; note: string };

describe('review vm5: who-can lists a resource policy grant beyond the account that a condition keeps out', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
    await accountAdmin(s, B, 'aws');
    await accountAdmin(s, C, 'aws');
    const put = await gatehouseJson(s.url, s.admin, 'PUT', `/v1/resource-policies/${encodeURIComponent(BUCKET)}`, {
      document: {
        Version: '2012-10-17',
        Statement: [
          { Sid: 'office', Effect: 'Allow', Principal: { AWS: [`arn:aws:iam::${B}:root`, `arn:aws:iam::${C}:root`] }, Action: 's3:GetObject', Resource: `${BUCKET}/*`, Condition: { IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } } },
          { Sid: 'notC', Effect: 'Deny', Principal: { AWS: `arn:aws:iam::${C}:root` }, Action: 's3:GetObject', Resource: `${BUCKET}/*` },
        ],
      },
    });
    assert.ok(put.status < 300, JSON.stringify(put.json));
  });
  after(() => s?.stop());

  const whoCan = async (context?: Record<string, string>): Promise<Answer> => {
    const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/who-can', { action: 's3:GetObject', resource: OBJECT, ...(context ? { context } : {}) });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    return r.json as unknown as Answer;
  };
  const office: Grant = { principal: `arn:aws:iam::${B}:root`, policy: `resource policy of ${BUCKET}`, statement: 0, conditional: true, conditions: ['IpAddress aws:SourceIp'], unless: [] };

  it('asked without an address: the other account is listed as kept out by the condition, not the one a Deny refuses', async () => {
    const a = await whoCan();
    assert.deepEqual(a.grantedByResourcePolicy, [], JSON.stringify(a));
    assert.deepEqual(a.conditionallyExcludedByResourcePolicy, [office], JSON.stringify(a));
    assert.match(a.note, /see conditionallyExcludedByResourcePolicy/);
  });

  it('asked from the office: granted, in grantedByResourcePolicy alone', async () => {
    const a = await whoCan({ 'aws:SourceIp': '10.1.2.3' });
    assert.deepEqual(a.grantedByResourcePolicy, [office], JSON.stringify(a));
    assert.deepEqual(a.conditionallyExcludedByResourcePolicy, [], JSON.stringify(a));
    assert.doesNotMatch(a.note, /conditionallyExcludedByResourcePolicy/);
  });

  it('gatehouse who-can prints it after the table', async () => {
    const cli = await cliAgainst(s, ['who-can', '--action', 's3:GetObject', '--resource', OBJECT]);
    assert.equal(cli.status, 0, cli.out + cli.err);
    const after = cli.out.slice(cli.out.indexOf('not granted in this context only because conditions of their resource policy'));
    assert.ok(after.length < cli.out.length, cli.out);
    assert.match(after, new RegExp(`arn:aws:iam::${B}:root +0 of the resource policy of ${BUCKET} +IpAddress aws:SourceIp`), cli.out);
    assert.doesNotMatch(after, new RegExp(C), cli.out);
  });
});
