/**
 * Review um, 2: Alibaba's STS gateway recorded a request refused for its time (`InvalidTimeStamp.Expired`: a Timestamp
 * more than 15 minutes off) or its key (`InvalidAccessKeyId.Inactive`/`.NotFound` for a disabled key) without saying
 * whether the key's secret signed it, while the Query API, /v1/ and the S3 gateway say `detail.signatureVerified` for
 * the same refusals (review tu, 2 and 3; docs/decisions.md "A request refused for its time says whether the key's
 * secret signed it", which listed Alibaba's gateway as not checking it yet): the key's owner could not tell its holder
 * (a client clock off, a replay, a disabled key still in use) from someone naming the key id alone. The gateway already
 * checked the signature to answer `.Inactive` only to the key's holder (review is, 1), and recorded nothing of it.
 *
 * Now both refusals record `signatureVerified` (true: signed with the key's secret; false: the secret is known and did
 * not sign it) and the message says so, a disabled key's as "its holder still uses it"; answers unchanged.
 *
 * Real server (SQLite), an `acs` account, GetCallerIdentity signed with signature version 1.0 by hand (as
 * `@alicloud/credentials` signs), the records read through /v1/audit.
 *
 * Before the fix 2 of 2 tests failed.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import type { AuditRecord } from '../src/core/audit/index.ts';
import { bobAndCarolSuite, callerIdentityV1 } from './support/alibaba-world.ts';
import { refusedCallerIdentities } from './support/audit-from.ts';

const ACS = '350000000092';

describe("review um2: Alibaba STS's refusals for time or key say whether the key's secret signed them", () => {
  const world = bobAndCarolSuite(ACS);

  /** GetCallerIdentity signed with signature version 1.0 under `secret` as of `at`; the answer's Code. */
  const v1 = async (accessKeyId: string, secret: string, at = new Date()): Promise<unknown> => (await callerIdentityV1(world().server.url, { accessKeyId, secretAccessKey: secret }, { at })).body['Code'];
  const refusals = (keyId: string): Promise<AuditRecord[]> => refusedCallerIdentities(world().server, world().admin, ACS, keyId);
  const shape = (r: AuditRecord) => [r.detail['authentication'], r.detail['signatureVerified']];
  const byVerified = (a: unknown[], b: unknown[]) => String(a[1]).localeCompare(String(b[1]));

  it('a Timestamp 20 minutes old: signed by the key\'s holder, or by someone without its secret', async () => {
    const { carol } = world();
    const stale = new Date(Date.now() - 20 * 60_000);
    assert.equal(await v1(carol.accessKeyId, carol.secretAccessKey, stale), 'InvalidTimeStamp.Expired');
    assert.equal(await v1(carol.accessKeyId, 'not-the-secret', stale), 'InvalidTimeStamp.Expired');
    const got = await refusals(carol.accessKeyId);
    assert.deepEqual(got.map(shape).sort(byVerified), [['InvalidTimeStamp.Expired', false], ['InvalidTimeStamp.Expired', true]]);
    assert.match(String(got.find((r) => r.detail['signatureVerified'] === true)?.detail['message']), /signed with the key's secret \(a replayed request, or a client clock off\)/);
  });

  it('a disabled key: its holder still using it, or someone naming its id', async () => {
    const { server, iam, bob } = world();
    await iam.send(new I.UpdateAccessKeyCommand({ UserName: 'bob', AccessKeyId: bob.accessKeyId, Status: 'Inactive' }));
    await server.running.app.refresh();
    assert.equal(await v1(bob.accessKeyId, bob.secretAccessKey), 'InvalidAccessKeyId.Inactive');
    assert.equal(await v1(bob.accessKeyId, 'not-the-secret'), 'InvalidAccessKeyId.NotFound');
    const got = await refusals(bob.accessKeyId);
    assert.deepEqual(got.map(shape).sort(byVerified), [['InvalidAccessKeyId.NotFound', false], ['InvalidAccessKeyId.Inactive', true]]);
    assert.match(String(got.find((r) => r.detail['signatureVerified'] === true)?.detail['message']), /its holder still uses it/);
  });
});
