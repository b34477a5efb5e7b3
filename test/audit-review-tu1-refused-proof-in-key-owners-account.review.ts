/**
 * Review tu, 1: a refused `principalProof` was recorded only in the account of the service that relayed it (review Y,
 * Y4; kp, 4), while a proof that passes is recorded in its principal's account too (review sy, 3; to, 3). So the one
 * refusal a key owner most needs to read, its disabled key or an expired proof still being presented to another
 * account's resource server, never reached its account: AWS delivers a cross-account event to both accounts
 * (CloudTrail), and docs/decisions.md records a proof as "that principal's request (its key signed it)".
 *
 * A copy may go to the key owner's account only when the proof is the key holder's: its signature verified with the
 * secret of the key it names, checked before the key's own refusal is taken as the answer. Otherwise anyone could put
 * records into another account by naming one of its key ids in a forged proof; such a refusal stays in the asker's
 * account alone. Now the edge checks the signature of a proof refused for its key (an inactive key, an expired or
 * revoked session) or for its time (expired, or dated ahead), and the owner's copy names who asked, the audience and
 * `crossAccount`, as the copy of an accepted proof does.
 *
 * Real in-process server (SQLite); real SigV4 presigned proofs (@smithy/signature-v4), a second account.
 *
 * Before the fix 2 of 3 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { UpdateAccessKeyCommand } from '@aws-sdk/client-iam';
import type { AuditRecord } from '../src/core/audit/index.ts';
import { gatehouseJson, identityProof } from './support/resource-server.ts';
import { accountAdmin, iamUserWith, REGION, startTestServer, type Credentials, type TestServer } from './support/server.ts';

const A = '111111111111';
const ROOT = '000000000000';
const CAROL = `arn:aws:iam::${A}:user/carol`;

describe('review tu1: a proof refused for its own key or time is recorded in the key owner\'s account too, a forged one is not', () => {
  let s: TestServer;
  let aAdmin: Credentials;
  let carol: Credentials;
  let dave: Credentials;
  before(async () => {
    s = await startTestServer();
    aAdmin = await accountAdmin(s, A, 'aws');
    carol = await iamUserWith(s.iam(aAdmin), 'carol', null);
    dave = await iamUserWith(s.iam(aAdmin), 'dave', null);
    await s.running.app.refresh();
  });
  after(async () => {
    await s?.stop();
  });

  /** The refused-proof records account A reads about `keyId`, and the root account's about the same resource. */
  const refusals = async (who: Credentials, keyId: string, resource: string): Promise<AuditRecord[]> => {
    await s.running.app.audit.flush();
    const r = await gatehouseJson(s.url, who, 'GET', `/v1/audit?kind=decision&limit=1000`);
    assert.equal(r.status, 200, JSON.stringify(r.json));
    return (r.json['records'] as AuditRecord[]).filter((x) => x.resource === resource && x.detail['accessKeyId'] === keyId && String(x.detail['message']).startsWith('principalProof refused'));
  };
  const ask = async (proof: string, resource: string, audience?: string): Promise<void> => {
    const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/authorize', { principalProof: `${s.url}/?${proof}`, ...(audience !== undefined ? { audience } : {}), action: 's3:GetObject', resource });
    assert.equal(r.status, 403, JSON.stringify(r.json));
  };
  const copyOf = (records: AuditRecord[], audience?: string): void => {
    assert.equal(records.length, 1, `account ${A} reads no record of its key's refused proof: ${JSON.stringify(records)}`);
    const [r] = records as [AuditRecord];
    assert.equal(r.account, A);
    assert.equal(r.principal, CAROL);
    assert.equal(r.decision, 'Deny');
    assert.deepEqual(r.detail['crossAccount'], { callerAccount: ROOT, principalAccount: A });
    assert.equal(r.detail['askedBy'], `arn:aws:iam::${ROOT}:user/admin`);
    assert.equal(r.detail['audience'], audience);
    assert.equal(r.detail['signatureVerified'], true);
  };

  it('a proof signed with a disabled key reaches the key owner\'s account, with who asked and the audience', async () => {
    const audience = 'https://models.example.test';
    const proof = await identityProof(s.url, dave, audience);
    const iam = s.iam(aAdmin);
    await iam.send(new UpdateAccessKeyCommand({ UserName: 'dave', AccessKeyId: dave.accessKeyId, Status: 'Inactive' }));
    await s.running.app.refresh();
    const resource = 'arn:aws:s3:::tu1/inactive';
    await ask(proof, resource, audience);
    const theirs = await refusals(aAdmin, dave.accessKeyId, resource);
    assert.equal(theirs.length, 1, `account ${A} reads no record of its disabled key's proof: ${JSON.stringify(theirs)}`);
    assert.equal(theirs[0]?.principal, `arn:aws:iam::${A}:user/dave`);
    assert.deepEqual(theirs[0]?.detail['crossAccount'], { callerAccount: ROOT, principalAccount: A });
    assert.equal(theirs[0]?.detail['audience'], audience);
    assert.equal(theirs[0]?.detail['authentication'], 'InvalidClientTokenId');
    // The asker's own record is still there, once.
    assert.equal((await refusals(s.admin, dave.accessKeyId, resource)).filter((x) => x.account === ROOT).length, 1);
  });

  it('an expired proof reaches the key owner\'s account, saying it expired (not a use: the key\'s last use does not move)', async () => {
    const u = new URL(s.url);
    const signer = new SignatureV4({ service: 'sts', region: REGION, credentials: carol, sha256: Sha256 });
    const p = await signer.presign({ method: 'GET', protocol: u.protocol, hostname: u.hostname, port: Number(u.port), path: '/', query: { Action: 'GetCallerIdentity', Version: '2011-06-15' }, headers: { host: u.host } }, { expiresIn: 60, signingDate: new Date(Date.now() - 10 * 60_000) });
    const proof = new URLSearchParams(p.query as Record<string, string>).toString();
    const resource = 'arn:aws:s3:::tu1/expired';
    await ask(proof, resource);
    const theirs = await refusals(aAdmin, carol.accessKeyId, resource);
    copyOf(theirs);
    assert.equal(theirs[0]?.detail['message'], 'principalProof refused: the presigned request has expired');
    const used = await gatehouseJson(s.url, aAdmin, 'GET', `/v1/access-keys?userName=carol`);
    assert.equal(JSON.stringify(used.json).includes('"lastUsed":{'), false, `an expired proof is no use of its key: ${JSON.stringify(used.json)}`);
  });

  it('a forged proof naming the key stays in the asker\'s account alone', async () => {
    const valid = await identityProof(s.url, carol);
    const forged = valid.replace(/X-Amz-Signature=([0-9a-f])/, (_m, d: string) => `X-Amz-Signature=${d === '0' ? '1' : '0'}`);
    const resource = 'arn:aws:s3:::tu1/forged';
    await ask(forged, resource);
    assert.equal((await refusals(s.admin, carol.accessKeyId, resource)).filter((x) => x.account === ROOT).length, 1, 'the asker reads the refusal');
    assert.deepEqual(await refusals(aAdmin, carol.accessKeyId, resource), [], 'a forged proof puts nothing in the named key\'s account');
    // Nor does an expired forged one, nor a disabled key's forged one (checked above with the key's own signature).
    const u = new URL(s.url);
    const signer = new SignatureV4({ service: 'sts', region: REGION, credentials: { ...carol, secretAccessKey: 'x'.repeat(40) }, sha256: Sha256 });
    const p = await signer.presign({ method: 'GET', protocol: u.protocol, hostname: u.hostname, port: Number(u.port), path: '/', query: { Action: 'GetCallerIdentity', Version: '2011-06-15' }, headers: { host: u.host } }, { expiresIn: 60, signingDate: new Date(Date.now() - 10 * 60_000) });
    const resource2 = 'arn:aws:s3:::tu1/forged-expired';
    await ask(new URLSearchParams(p.query as Record<string, string>).toString(), resource2);
    assert.deepEqual(await refusals(aAdmin, carol.accessKeyId, resource2), []);
  });
});
