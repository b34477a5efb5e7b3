/**
 * Review gm, 3: the directory's refusals are recorded with the request as sent, and TagUser, TagRole and TagPolicy
 * decide the caller's permission before they check the tags (their count needs the entity's own): any principal with
 * a key and no permission at all sent `aws iam tag-user` with a tag value of up to 1 MiB (the Query API's body bound),
 * was refused AccessDenied, and each refusal put a 1 MiB record in the audit log, kept for ever. As review gm 2 bounds
 * a refused edge change, a refused directory request over 64 KiB of JSON is now recorded as the length and SHA-256 of
 * the text its record would have held, and its field names; a refusal is still recorded, and a small request whole.
 * Real server (SQLite) on 127.0.0.1, the AWS SDK's IAM client.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CreatePolicyCommand, CreateRoleCommand, IAMClient, TagPolicyCommand, TagRoleCommand, TagUserCommand } from '@aws-sdk/client-iam';
import type { AuditRecord } from '../src/core/audit/index.ts';
import { rootAdminCaller } from './support/callers.ts';
import { startTestServer, userWithKey, type TestServer } from './support/server.ts';

const BIG = 'v'.repeat(900_000);
const MAX_RECORD_CHARS = 80_000;
const ACCT = '000000000000';

describe('review gm3: a refused directory request records a bounded request', () => {
  let s: TestServer;
  let iam: IAMClient;
  before(async () => {
    s = await startTestServer();
    iam = s.iam(await userWithKey(s, 'gm3-nobody'));
    await s.iam().send(new CreateRoleCommand({ RoleName: 'gm3-role', AssumeRolePolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'training.gatehouse.dev' }, Action: 'sts:AssumeRole' }] }) }));
    await s.iam().send(new CreatePolicyCommand({ PolicyName: 'gm3-policy', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }] }) }));
  });
  after(async () => s?.stop());

  const refusal = async (action: string): Promise<AuditRecord[]> => {
    await s.running.app.audit.flush();
    const page = await s.running.app.audit.query(rootAdminCaller, { action, principal: `arn:aws:iam::${ACCT}:user/gm3-nobody` }, 0, 1000);
    assert.ok(page.ok);
    return page.value.records.filter((r) => r.decision === 'ACCESS_DENIED');
  };
  const refused = async (p: Promise<unknown>): Promise<string> =>
    p.then(
      () => assert.fail('expected a refusal'),
      (e: { name?: string }) => e.name ?? '',
    );

  for (const [what, action, send] of [
    ['TagUser', 'iam:TagUser', () => iam.send(new TagUserCommand({ UserName: 'gm3-nobody', Tags: [{ Key: 'k', Value: BIG }] }))],
    ['TagRole', 'iam:TagRole', () => iam.send(new TagRoleCommand({ RoleName: 'gm3-role', Tags: [{ Key: 'k', Value: BIG }] }))],
    ['TagPolicy', 'iam:TagPolicy', () => iam.send(new TagPolicyCommand({ PolicyArn: `arn:aws:iam::${ACCT}:policy/gm3-policy`, Tags: [{ Key: 'k', Value: BIG }] }))],
  ] as const) {
    it(`${what} refused with a 900 kB tag value: recorded, by its size and digest, not whole`, async () => {
      assert.equal(await refused(send()), 'AccessDenied');
      const [rec, ...more] = await refusal(action);
      assert.ok(rec, 'the refusal is recorded');
      assert.equal(more.length, 0);
      const size = JSON.stringify(rec).length;
      assert.ok(size < MAX_RECORD_CHARS, `the record of a refused ${what} holds ${size} characters`);
      const request = rec.detail['request'] as Record<string, unknown>;
      assert.equal(typeof request['sha256'], 'string');
      assert.match(String(request['sha256']), /^[0-9a-f]{64}$/);
      assert.ok(Number(request['characters']) > 900_000);
      assert.ok(Array.isArray(request['fields']) && (request['fields'] as unknown[]).includes('tags'), JSON.stringify(request['fields']));
    });
  }

  it('a refused request of a small body is recorded whole', async () => {
    assert.equal(await refused(iam.send(new TagUserCommand({ UserName: 'gm3-nobody', Tags: [{ Key: 'small', Value: 'v' }] }))), 'AccessDenied');
    const recs = await refusal('iam:TagUser');
    const last = recs.at(-1);
    assert.equal(recs.length, 2);
    const text = JSON.stringify(last?.detail['request']);
    assert.match(text, /"key":"small","value":"v"/, text);
    assert.doesNotMatch(text, /sha256/);
  });
});
