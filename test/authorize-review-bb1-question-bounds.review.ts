/**
 * Review bb, 1. A question's own fields had no size limit, nor the context's key names: an `action` of 1 MB
 * (`svc:aaaa…`) was decided and recorded as one audit record of 1 MB; a `principal` of 2 MB was quoted twice in the
 * refusal (2 MB answered) and recorded in full as the resource of the refused `gatehouse:Authorize`; a context key
 * `aws:PrincipalTag/<300 KB>` was quoted in the "ignored" note of the answer and of the deny's audit record. An
 * empty context key was decided on, where docs/errors.md (and `policy evaluate`) refuse a key that is empty or has
 * spaces. Any caller allowed the authorize API could so make each of its records a thousand times larger.
 *
 * Now, before anything is decided or recorded, a question is refused with 400 and the JSON path of the field:
 * `action` over 128 characters (IAM's ActionName bound, REQUEST_INVALID_ACTION), `principal` over 2,048 characters
 * (an ARN's bound, as `resource`; VALIDATION_ERROR), a context key that is empty, has white space or control
 * characters, or is over 256 characters (IAM's ContextKeyName bound; REQUEST_INVALID_CONTEXT). Messages quote at most
 * 100 characters of what was sent. Real server (SQLite), SigV4-signed; the same on `/v1/simulate` and per item of a batch.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CreateUserCommand, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { gatehouseJson } from './support/resource-server.ts';
import { auditRecords, startTestServer, type TestServer } from './support/server.ts';

const ROOT = '000000000000';
const ALICE = `arn:aws:iam::${ROOT}:user/alice`;
const Q = { principal: ALICE, action: 's3:PutObject', resource: 'arn:aws:s3:::b/k' };

type ErrorJson = { code?: string; gatehouseCode?: string; message?: string; details?: { path?: string }[] };

describe('authorize API: the question’s fields are bounded before anything is decided or recorded', () => {
  let s: TestServer;
  const post = (path: string, body: unknown) => gatehouseJson(s.url, s.admin, 'POST', path, body);

  before(async () => {
    s = await startTestServer();
    await s.iam().send(new CreateUserCommand({ UserName: 'alice' }));
    await s.iam().send(new PutUserPolicyCommand({ UserName: 'alice', PolicyName: 'p', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:Get*', Resource: '*' }] }) }));
  });
  after(() => s?.stop());

  const cases: readonly [what: string, body: Record<string, unknown>, code: string, path: string][] = [
    ['an action of 1 MB', { ...Q, action: `svc:${'a'.repeat(1_000_000)}` }, 'REQUEST_INVALID_ACTION', 'action'],
    ['an action of 129 characters', { ...Q, action: `svc:${'a'.repeat(125)}` }, 'REQUEST_INVALID_ACTION', 'action'],
    ['a principal of 2 MB', { ...Q, principal: `arn:aws:iam::${ROOT}:user/${'p/'.repeat(1_000_000)}alice` }, 'VALIDATION_ERROR', 'principal'],
    ['a context key of 300 KB', { ...Q, context: { [`aws:PrincipalTag/${'x'.repeat(300_000)}`]: 'v' } }, 'REQUEST_INVALID_CONTEXT', 'context'],
    ['a context key of 257 characters', { ...Q, context: { [`svc:${'k'.repeat(253)}`]: 'v' } }, 'REQUEST_INVALID_CONTEXT', 'context'],
    ['an empty context key', { ...Q, context: { '': 'v' } }, 'REQUEST_INVALID_CONTEXT', 'context.'],
    ['a context key with a space', { ...Q, context: { 'svc:my key': 'v' } }, 'REQUEST_INVALID_CONTEXT', 'context.svc:my key'],
    ['a context key with an escape', { ...Q, context: { 'svc:\u001b[2Jkey': 'v' } }, 'REQUEST_INVALID_CONTEXT', 'context'],
  ];

  for (const [what, body, code, path] of cases) {
    it(`${what} is refused with ${code} at \`${path}\`, answered and recorded small`, async () => {
      const before = (await auditRecords(s, {})).length;
      for (const route of ['/v1/authorize', '/v1/simulate']) {
        const r = await post(route, body);
        const e = r.json['error'] as ErrorJson | undefined;
        assert.equal(r.status, 400, `${route}: ${JSON.stringify(r.json).slice(0, 300)}`);
        assert.equal(e?.gatehouseCode, code, `${route}: ${JSON.stringify(r.json).slice(0, 300)}`);
        assert.ok(String(e?.details?.[0]?.path).startsWith(path), `${route}: ${JSON.stringify(e?.details).slice(0, 300)}`);
        assert.ok(JSON.stringify(r.json).length < 2000, `${route}: answered ${JSON.stringify(r.json).length} characters`);
      }
      const batch = await post('/v1/authorize:batch', { requests: [body, { ...Q, action: 's3:GetObject' }] });
      assert.equal(batch.status, 200, JSON.stringify(batch.json).slice(0, 300));
      const [bad, good] = batch.json['results'] as { decision?: string; error?: { code?: string } }[];
      assert.equal(bad?.error?.code, code, JSON.stringify(bad).slice(0, 300));
      assert.ok(JSON.stringify(bad).length < 2000, `batch item answered ${JSON.stringify(bad).length} characters`);
      assert.equal(good?.decision, 'Allow', JSON.stringify(good));
      const records = await auditRecords(s, {});
      for (const rec of records.slice(before)) assert.ok(JSON.stringify(rec).length < 4000, `a record of ${JSON.stringify(rec).length} characters: ${JSON.stringify(rec).slice(0, 200)}`);
    });
  }

  it('the longest names still decide: an action of 128 characters, a context key of 256', async () => {
    const r = await post('/v1/authorize', { ...Q, action: `svc:${'a'.repeat(124)}`, context: { [`svc:${'k'.repeat(252)}`]: 'v', 'aws:SourceIp': '10.0.0.1' } });
    assert.equal(r.status, 200, JSON.stringify(r.json).slice(0, 300));
    assert.equal(r.json['decision'], 'ImplicitDeny');
  });
});
