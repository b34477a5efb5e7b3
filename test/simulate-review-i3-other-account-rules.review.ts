/**
 * Review I, I3: the authorize API answered a question that spans two accounts with both accounts' rules. Account A
 * asking whether its user may read account B's bucket was shown B's bucket policy: its name, statement numbers,
 * Sids and the condition keys that did not hold (so that a few questions with chosen contexts read the policy out),
 * which only B's principals may read (GetBucketPolicy). Account B's resource server asking about A's user (as it must,
 * to decide on A's callers) was shown A's identity policies the same way, and the values of A's user's tags that its
 * own conditions read. Each side now sees its own rules only, and whether a condition on the other side's facts held;
 * the decision and `deniedBy` stay. Real server (SQLite) on 127.0.0.1: SDK v3 S3 and IAM clients, SigV4-signed `/v1/`.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import * as S3 from '@aws-sdk/client-s3';
import { call } from '../src/adapters/cli/client.ts';
import { connectionTo } from './support/processes.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, type Credentials, type TestServer } from './support/server.ts';

const A = '111122223333';
const B = '333344445555';
const ALICE = `arn:aws:iam::${A}:user/alice`;
const V = '2012-10-17';

interface Answer {
  decision: string;
  reasons: string[];
  matched: { policy: string; type: string; sid?: string }[];
  diagnostics: string[];
}

describe('authorize: an asker sees its own account\'s rules only (review I3)', () => {
  let s: TestServer;
  let aAdmin: Credentials;
  let bAdmin: Credentials;
  const account = async (id: string): Promise<Credentials> => {
    const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/accounts', { id, partition: 'aws', name: `acct-${id}` });
    assert.equal(r.status, 201, JSON.stringify(r.json));
    return { accessKeyId: String(r.json['AccessKeyId']), secretAccessKey: String(r.json['SecretAccessKey']) };
  };
  const ask = async (who: Credentials, key: string, context?: object): Promise<Answer> => {
    const r = await gatehouseJson(s.url, who, 'POST', '/v1/authorize', { principal: ALICE, action: 's3:GetObject', resource: `arn:aws:s3:::b-data/${key}`, ...(context ? { context } : {}) });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    return r.json as unknown as Answer;
  };

  before(async () => {
    s = await startTestServer();
    aAdmin = await account(A);
    bAdmin = await account(B);
    const s3 = new S3.S3Client({ endpoint: s.running.s3Url, region: 'us-east-1', forcePathStyle: true, credentials: bAdmin, maxAttempts: 1 });
    await s3.send(new S3.CreateBucketCommand({ Bucket: 'b-data' }));
    await s3.send(new S3.PutBucketPolicyCommand({
      Bucket: 'b-data',
      Policy: JSON.stringify({
        Version: V,
        Statement: [
          { Sid: 'PartnerOfficeOnly', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${A}:root` }, Action: 's3:GetObject', Resource: 'arn:aws:s3:::b-data/*', Condition: { IpAddress: { 'aws:SourceIp': '203.0.113.0/24' } } },
          { Sid: 'NoHr', Effect: 'Deny', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::b-data/hr/*' },
          { Sid: 'Cleared', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${A}:root` }, Action: 's3:GetObject', Resource: 'arn:aws:s3:::b-data/cleared/*', Condition: { StringEquals: { 'aws:PrincipalTag/clearance': 'high' } } },
        ],
      }),
    }));
    s3.destroy();
    const iam = s.iam(aAdmin);
    await iam.send(new I.CreateUserCommand({ UserName: 'alice', Tags: [{ Key: 'clearance', Value: 'level-9-codeword' }] }));
    await iam.send(new I.PutUserPolicyCommand({
      UserName: 'alice',
      PolicyName: 'a-internal-read',
      PolicyDocument: JSON.stringify({ Version: V, Statement: [{ Sid: 'ReadOnVpn', Effect: 'Allow', Action: 's3:GetObject', Resource: '*', Condition: { StringEquals: { 'aws:SourceVpce': 'vpce-a-secret' } } }] }),
    }));
  });
  after(() => s?.stop());

  const mentions = (a: Answer, words: readonly string[]): string[] => words.filter((w) => JSON.stringify(a).includes(w));

  it('account A asking about its user on B\'s bucket: the decision, without B\'s policy', async () => {
    const open = await ask(aAdmin, 'x', { 'aws:SourceIp': '198.51.100.7', 'aws:SourceVpce': 'vpce-a-secret' });
    assert.equal(open.decision, 'ImplicitDeny', JSON.stringify(open));
    assert.deepEqual(mentions(open, ['PartnerOfficeOnly', 'SourceIp', 'resource policy of arn:']), [], JSON.stringify(open));
    const hr = await ask(aAdmin, 'hr/y', { 'aws:SourceIp': '203.0.113.9', 'aws:SourceVpce': 'vpce-a-secret' });
    assert.equal(hr.decision, 'ExplicitDeny');
    assert.deepEqual(mentions(hr, ['NoHr', 'resource policy of arn:']), [], JSON.stringify(hr));
    // A's own policy is A's to read.
    assert.ok(hr.matched.some((m) => m.policy.includes('a-internal-read')), JSON.stringify(hr));
    const allowed = await ask(aAdmin, 'x', { 'aws:SourceIp': '203.0.113.9', 'aws:SourceVpce': 'vpce-a-secret' });
    assert.equal(allowed.decision, 'Allow');
  });

  it('account B asking about a session of A\'s ended job: that it no longer works, not A\'s job record', async () => {
    const iam = s.iam(aAdmin);
    await iam.send(new I.CreateUserCommand({ UserName: 'runner' }));
    await iam.send(new I.PutUserPolicyCommand({ UserName: 'runner', PolicyName: 'jobs', PolicyDocument: JSON.stringify({ Version: V, Statement: [{ Effect: 'Allow', Action: 'training:*', Resource: '*' }] }) }));
    const k = (await iam.send(new I.CreateAccessKeyCommand({ UserName: 'runner' }))).AccessKey;
    const runner = connectionTo(s.url, { accessKeyId: k?.AccessKeyId ?? '', secretAccessKey: k?.SecretAccessKey ?? '' });
    const ws = await call(connectionTo(s.url, aAdmin), 'PUT', ['workspaces', 'ws-a'], { body: { members: [{ user: 'runner' }] } });
    assert.ok(ws.ok, ws.ok ? '' : ws.message);
    const job = await call<{ job: { id: string } }>(runner, 'POST', ['jobs'], { body: { workspace: 'ws-a', role: 'default', imds: false } });
    assert.ok(job.ok, job.ok ? '' : job.message);
    const id = job.value.job.id;
    assert.ok((await call(runner, 'POST', ['jobs', id, 'stop'])).ok);
    const session = `arn:aws:sts::${A}:assumed-role/GatehouseTrainingDefaultRole/job-${id}`;
    const own = await gatehouseJson(s.url, aAdmin, 'POST', '/v1/authorize', { principal: session, action: 's3:GetObject', resource: `arn:aws:s3:::b-data/x` });
    assert.match(JSON.stringify(own.json), new RegExp(`job ${id} has ended`), 'A reads its own job record');
    const other = await gatehouseJson(s.url, bAdmin, 'POST', '/v1/authorize', { principal: session, action: 's3:GetObject', resource: `arn:aws:s3:::b-data/x` });
    assert.equal(other.status, 400, JSON.stringify(other.json));
    assert.doesNotMatch(JSON.stringify(other.json), /has ended|Cancel|Succeeded|runner/, JSON.stringify(other.json));
    assert.match(JSON.stringify(other.json), /no longer works/);
  });

  it('account B asking about A\'s disabled user: that it may do nothing, not why', async () => {
    await s.iam(aAdmin).send(new I.CreateUserCommand({ UserName: 'dora' }));
    const off = await call(connectionTo(s.url, aAdmin), 'POST', ['users', 'dora', 'disable']);
    assert.ok(off.ok, off.ok ? '' : off.message);
    const q = { principal: `arn:aws:iam::${A}:user/dora`, action: 's3:GetObject', resource: 'arn:aws:s3:::b-data/x' };
    const other = await gatehouseJson(s.url, bAdmin, 'POST', '/v1/authorize', q);
    assert.equal(other.json['decision'], 'ImplicitDeny', JSON.stringify(other.json));
    assert.doesNotMatch(JSON.stringify(other.json), /disabled/, JSON.stringify(other.json));
    const own = await gatehouseJson(s.url, aAdmin, 'POST', '/v1/authorize', q);
    assert.match(JSON.stringify(own.json), /is disabled/, 'A reads why');
  });

  it('account B asking about A\'s user on its own bucket: the decision, without A\'s policies', async () => {
    const refused = await ask(bAdmin, 'x', { 'aws:SourceIp': '203.0.113.9' });
    assert.equal(refused.decision, 'ImplicitDeny', JSON.stringify(refused));
    assert.deepEqual(mentions(refused, ['a-internal-read', 'ReadOnVpn', 'SourceVpce']), [], JSON.stringify(refused));
    const hr = await ask(bAdmin, 'hr/y', { 'aws:SourceIp': '203.0.113.9' });
    assert.ok(hr.matched.some((m) => m.sid === 'NoHr'), 'B reads its own policy');
    assert.equal((await ask(bAdmin, 'x', { 'aws:SourceIp': '203.0.113.9', 'aws:SourceVpce': 'vpce-a-secret' })).decision, 'Allow');
    // B's own condition on A's user's tag: whether it held, not the tag's value.
    const cleared = await ask(bAdmin, 'cleared/z', { 'aws:SourceVpce': 'vpce-a-secret' });
    assert.equal(cleared.decision, 'ImplicitDeny');
    assert.deepEqual(mentions(cleared, ['level-9-codeword']), [], JSON.stringify(cleared));
    assert.ok(cleared.diagnostics.some((d) => d.includes('Cleared') && d.includes('aws:PrincipalTag/clearance')), JSON.stringify(cleared));
  });
});
