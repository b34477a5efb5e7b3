/**
 * Review qr, 4: a request refused at authentication by Alibaba's STS is recorded with fixed words chosen by its code
 * (src/app/auth-failures.ts), never the answer's text; two of the codes that edge answers had no words, so their
 * records said only "authentication refused". One is `InvalidAccessKeyId.Inactive`, answered only to a request signed
 * with the disabled key's own secret (review is, 1): the one refusal that shows the holder of the secret is still
 * using a key taken out of service (a leaked key, a forgotten deployment), and its record did not say the key was
 * inactive, nor that its secret signed. The other is `MissingSignatureVersion` (review lj, 2), a request left unsigned
 * in part, recorded as vaguely.
 *
 * Now both have their words: "an inactive access key" (since review um, 2 followed by "; it was signed with the key's secret: its holder still uses it") and "the signature is
 * malformed or incomplete", as the other Alibaba gateway codes have theirs. A real server on 127.0.0.1, requests signed
 * with signature version 1.0, the audit log read back. Before the fix 2 of 2 tests failed.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { bobAndCarolSuite, callerIdentityV1 } from './support/alibaba-world.ts';
import { auditRecords, type Credentials } from './support/server.ts';

const ACS = '350000000905';

describe('qr4: Alibaba STS refusals are recorded with words of their own', () => {
  const world = bobAndCarolSuite(ACS);

  /** GetCallerIdentity signed with signature version 1.0 under `secret`, with `drop` left out of the parameters. */
  const v1 = (k: Credentials, drop?: string): Promise<{ status: number; body: Record<string, unknown> }> => callerIdentityV1(world().server.url, k, drop !== undefined ? { drop } : {});
  const refusals = async (k: Credentials) =>
    (await auditRecords(world().server, { kind: 'decision', accessKeyId: k.accessKeyId })).map((r) => [r.action, r.decision, r.detail?.['authentication'], r.detail?.['message']]);

  it('a disabled key used with its secret: recorded as an inactive key signed with its secret', async () => {
    const { iam, bob } = world();
    await iam.send(new I.UpdateAccessKeyCommand({ UserName: 'bob', AccessKeyId: bob.accessKeyId, Status: 'Inactive' }));
    const r = await v1(bob);
    assert.equal(r.body['Code'], 'InvalidAccessKeyId.Inactive', JSON.stringify(r.body));
    assert.deepEqual(await refusals(bob), [['sts:GetCallerIdentity', 'Deny', 'InvalidAccessKeyId.Inactive', "an inactive access key; it was signed with the key's secret: its holder still uses it"]]);
  });

  it('a request without SignatureVersion: recorded as a malformed signature', async () => {
    const { carol } = world();
    const r = await v1(carol, 'SignatureVersion');
    assert.equal(r.body['Code'], 'MissingSignatureVersion', JSON.stringify(r.body));
    assert.deepEqual(await refusals(carol), [['sts:GetCallerIdentity', 'Deny', 'MissingSignatureVersion', 'the signature is malformed or incomplete']]);
  });
});
