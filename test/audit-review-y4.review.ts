/**
 * Review Y, Y4: a refused `principalProof` (a forged signature, a revoked session token) relayed by a resource
 * server to POST /v1/authorize, /v1/authorize:batch or /v1/simulate left no audit record, while the same token
 * used on STS directly was recorded. Now each refusal is recorded as the front doors record a refused sign-in: a
 * `Deny` decision naming the question's action and resource, the relaying caller (`askedBy`), the AWS code and a
 * fixed description, the claimed key id; never the proof's URL, signature or session token. A proof refused for
 * several questions of a batch is recorded once.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import type { AuditRecord } from '../src/core/audit/index.ts';
import { REGION, startTestServer, type Credentials, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

const ROOT = '000000000000';
const V = '2012-10-17';
const WORKER = `arn:aws:iam::${ROOT}:role/worker`;
const inline = (...Statement: Record<string, unknown>[]) => ({ Version: V, Statement });
const doc = (kind: string, name: string, spec: Record<string, unknown>) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name }, spec });
const Q = { action: 's3:GetObject', resource: 'arn:aws:s3:::y4-data/secret.txt' };

describe('review Y4: refused principalProofs are recorded', () => {
  let s: TestServer;
  let gate: Credentials;
  let alice: Credentials;

  const keyOf = async (user: string): Promise<Credentials> => {
    const k = await gatehouseJson(s.url, s.admin, 'POST', '/v1/access-keys', { userName: user });
    assert.equal(k.status, 201, JSON.stringify(k.json));
    return { accessKeyId: String(k.json['accessKeyId']), secretAccessKey: String(k.json['secretAccessKey']) };
  };
  const presign = async (credentials: Credentials): Promise<string> => {
    const u = new URL(s.url);
    const signer = new SignatureV4({ service: 'sts', region: REGION, credentials, sha256: Sha256 });
    const p = await signer.presign({ method: 'GET', protocol: u.protocol, hostname: u.hostname, port: Number(u.port), path: '/', query: { Action: 'GetCallerIdentity', Version: '2011-06-15' }, headers: { host: u.host } }, { expiresIn: 60 });
    return `${s.url}/?${new URLSearchParams(p.query as Record<string, string>).toString()}`;
  };
  const assume = async (name: string) => {
    const r = await s.sts(alice).send(new AssumeRoleCommand({ RoleArn: WORKER, RoleSessionName: name }));
    const c = r.Credentials;
    assert.ok(c?.AccessKeyId && c.SecretAccessKey && c.SessionToken);
    return { credentials: { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken }, arn: String(r.AssumedRoleUser?.Arn) };
  };
  /** Records written since `after` (seq), all of them. */
  const since = async (after: number): Promise<AuditRecord[]> => {
    await s.running.app.audit.flush();
    const r = await gatehouseJson(s.url, s.admin, 'GET', `/v1/audit?after=${after}&limit=1000`);
    assert.equal(r.status, 200, JSON.stringify(r.json));
    return r.json['records'] as AuditRecord[];
  };
  const headSeq = async (): Promise<number> => {
    await s.running.app.audit.flush();
    return (await s.running.app.deps.store.read((tx) => tx.audit.head())).seq;
  };
  /** The proof records among `records`, and that nothing of the proof is in any record. */
  const proofRecords = (records: AuditRecord[], proof: string): AuditRecord[] => {
    const sig = /X-Amz-Signature=([0-9a-f]{64})/.exec(proof)?.[1] as string;
    const token = new URL(proof).searchParams.get('X-Amz-Security-Token') as string;
    const text = JSON.stringify(records);
    assert.ok(!text.includes(sig), 'no signature in the log');
    assert.ok(!text.includes(token) && !text.includes(encodeURIComponent(token)), 'no session token in the log');
    assert.ok(!text.includes('X-Amz-'), 'nothing of the URL in the log');
    return records.filter((r) => typeof r.detail['message'] === 'string' && String(r.detail['message']).startsWith('principalProof refused'));
  };

  before(async () => {
    s = await startTestServer();
    const applied = await gatehouseJson(s.url, s.admin, 'POST', '/v1/apply', {
      documents: [
        doc('User', 'alice', { inlinePolicies: { assume: inline({ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' }) } }),
        doc('User', 'gate', { inlinePolicies: { authorize: inline({ Effect: 'Allow', Action: 'gatehouse:Authorize', Resource: '*' }) } }),
        doc('Role', 'worker', {
          trustPolicy: inline({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ROOT}:root` }, Action: 'sts:AssumeRole' }),
          inlinePolicies: { all: inline({ Effect: 'Allow', Action: 's3:*', Resource: '*' }) },
        }),
      ],
    });
    assert.equal(applied.status, 200, JSON.stringify(applied.json));
    alice = await keyOf('alice');
    gate = await keyOf('gate');
    await s.running.app.refresh();
  });
  after(async () => {
    await s.stop();
  });

  it('a forged proof (authorize and simulate) and a revoked session (authorize and a batch, once) each leave a Deny record', async () => {
    const session = await assume('y4-session');
    const valid = await presign(session.credentials);
    const forged = valid.replace(/X-Amz-Signature=([0-9a-f])/, (_m, d: string) => `X-Amz-Signature=${d === '0' ? '1' : '0'}`);

    let mark = await headSeq();
    const f = await gatehouseJson(s.url, gate, 'POST', '/v1/authorize', { principalProof: forged, ...Q });
    assert.equal(f.status, 403, JSON.stringify(f.json));
    const sim = await gatehouseJson(s.url, gate, 'POST', '/v1/simulate', { principalProof: forged, ...Q });
    assert.equal(sim.status, 403, JSON.stringify(sim.json));
    const forgedRecords = proofRecords(await since(mark), forged);
    assert.equal(forgedRecords.length, 2, JSON.stringify(forgedRecords));
    for (const r of forgedRecords) {
      assert.equal(r.kind, 'decision');
      assert.equal(r.decision, 'Deny');
      assert.equal(r.action, Q.action);
      assert.equal(r.resource, Q.resource);
      assert.equal(r.account, ROOT);
      assert.equal(r.detail['authentication'], 'SignatureDoesNotMatch');
      assert.equal(r.detail['message'], 'principalProof refused: the signature does not match');
      assert.equal(r.detail['askedBy'], `arn:aws:iam::${ROOT}:user/gate`);
      // Under the claimed key's owner (src/app/index.ts hands the authorizer `keyOwner`), as the front doors record them.
      assert.equal(r.principal, session.arn);
      assert.equal(r.detail['accessKeyId'], session.credentials.accessKeyId);
      assert.equal(r.sourceIp, '127.0.0.1');
    }

    const revoke = await gatehouseJson(s.url, s.admin, 'POST', '/v1/sts/revoke-sessions', { sessionArn: session.arn });
    assert.equal(revoke.status, 200, JSON.stringify(revoke.json));
    mark = await headSeq();
    const rv = await gatehouseJson(s.url, gate, 'POST', '/v1/authorize', { principalProof: valid, ...Q });
    assert.equal(rv.status, 403, JSON.stringify(rv.json));
    const batch = await gatehouseJson(s.url, gate, 'POST', '/v1/authorize:batch', { requests: [{ principalProof: valid, ...Q }, { principalProof: valid, action: 's3:PutObject', resource: Q.resource }] });
    assert.equal(batch.status, 200, JSON.stringify(batch.json));
    const revokedRecords = proofRecords(await since(mark), valid);
    assert.equal(revokedRecords.length, 2, `one for the question, one for the batch: ${JSON.stringify(revokedRecords)}`);
    for (const r of revokedRecords) {
      assert.equal(r.decision, 'Deny');
      assert.equal(r.detail['authentication'], 'ExpiredToken');
      assert.equal(r.detail['message'], 'principalProof refused: expired or revoked session token');
      assert.equal(r.detail['accessKeyId'], session.credentials.accessKeyId);
    }
  });
});
