/**
 * Review ug, 1. A request context is read with a key's `aws:` and `acs:` names as one key (src/core/iam/context-keys.ts,
 * src/core/iam/principal.ts `keyLookup`: a policy naming `acs:SourceIp` reads a question's `aws:SourceIp`, and the
 * other way), and a single-valued key given twice (`aws:SourceIp` and `AWS:SOURCEIP`) is refused REQUEST_INVALID_CONTEXT
 * (docs/errors.md). Given under both dialects' names with two values, the same key was not refused: each policy read the
 * value under its own spelling, so one question had two source addresses. A RAM guardrail `Deny … NotIpAddress
 * acs:SourceIp 10.0.0.0/8` that refused `{"aws:SourceIp": "203.0.113.9"}` was lifted by adding `"acs:SourceIp":
 * "10.1.2.3"`, and an AWS-dialect one the same way, in POST /v1/authorize, its batch and POST /v1/simulate alike: one
 * question, one answer (DESIGN.md, authorize API; issue 8) is broken when the answer depends on which dialect a policy
 * spells the key in.
 *
 * Now a key given under both names with different values is refused REQUEST_INVALID_CONTEXT naming both; the same
 * value under both (a resource server filling each dialect's name) is still one value. Real server (SQLite).
 *
 * Before the fix 5 of 5 tests failed (`gatehouse policy evaluate` too, which decides as the server would: exit 0, Allow).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXIT } from '../src/adapters/cli/exit-codes.ts';
import { gatehouseInProcess } from './support/gatehouse-cli.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { acsAccount, ramUser } from './support/alibaba-world.ts';
import { iamUserWith, startTestServer, type Credentials, type TestServer } from './support/server.ts';

const ACS = '210000000001';
const RAM_USER = `acs:ram::${ACS}:user/rita`;
const AWS_USER = 'arn:aws:iam::000000000000:user/walt';
const RAM_OBJECT = 'acs:oss:*:*:photos/k';
const AWS_OBJECT = 'arn:aws:s3:::photos/k';
const OUTSIDE = '203.0.113.9';
const INSIDE = '10.1.2.3';
const CONFLICT = /^context keys `(aws|acs):SourceIp` and `(aws|acs):SourceIp` name one key \(each dialect's name of it\) and were given different values: give it once, or the same value under both$/;

let s: TestServer;
let acsAdmin: Credentials;

before(async () => {
  s = await startTestServer();
  acsAdmin = await acsAccount(s, ACS);
  await ramUser(s.iam(acsAdmin), 'rita', { Effect: 'Allow', Action: 'oss:GetObject', Resource: '*' }, { Effect: 'Deny', Action: 'oss:GetObject', Resource: '*', Condition: { NotIpAddress: { 'acs:SourceIp': '10.0.0.0/8' } } });
  await iamUserWith(s.iam(), 'walt', { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }, { Effect: 'Deny', Action: 's3:GetObject', Resource: '*', Condition: { NotIpAddress: { 'aws:SourceIp': '10.0.0.0/8' } } }] });
});
after(() => s?.stop());

type Answer = { status: number; json: Record<string, unknown> };
const refusedForConflict = (r: Answer, path: RegExp): void => {
  assert.equal(r.status, 400, JSON.stringify(r.json));
  const e = r.json['error'] as { gatehouseCode: string; message: string; details: { path: string }[] };
  assert.equal(e.gatehouseCode, 'REQUEST_INVALID_CONTEXT', JSON.stringify(r.json));
  assert.match(e.message, CONFLICT);
  assert.match(e.details[0]?.path ?? '', path);
};

describe('review ug, 1: a key given under both dialects’ names with two values is refused', () => {
  test('a RAM guardrail on acs:SourceIp: refused from outside, and not lifted by an acs:SourceIp beside the aws:SourceIp', async () => {
    const ask = (context: object) => gatehouseJson(s.url, acsAdmin, 'POST', '/v1/authorize', { principal: RAM_USER, action: 'oss:GetObject', resource: RAM_OBJECT, context });
    assert.equal((await ask({ 'aws:SourceIp': OUTSIDE })).json['decision'], 'ExplicitDeny');
    assert.equal((await ask({ 'acs:SourceIp': INSIDE })).json['decision'], 'Allow');
    refusedForConflict(await ask({ 'aws:SourceIp': OUTSIDE, 'acs:SourceIp': INSIDE }), /^context\.(aws|acs):SourceIp$/);
    // The same value under both names is one value.
    assert.equal((await ask({ 'aws:SourceIp': OUTSIDE, 'acs:SourceIp': OUTSIDE })).json['decision'], 'ExplicitDeny');
    assert.equal((await ask({ 'aws:SourceIp': INSIDE, 'ACS:SOURCEIP': INSIDE })).json['decision'], 'Allow');
  });

  test('an AWS guardrail on aws:SourceIp: the same', async () => {
    const ask = (context: object) => gatehouseJson(s.url, s.admin, 'POST', '/v1/authorize', { principal: AWS_USER, action: 's3:GetObject', resource: AWS_OBJECT, context });
    assert.equal((await ask({ 'acs:SourceIp': OUTSIDE })).json['decision'], 'ExplicitDeny');
    refusedForConflict(await ask({ 'acs:SourceIp': OUTSIDE, 'aws:SourceIp': INSIDE }), /^context\.(aws|acs):SourceIp$/);
  });

  test('a batch refuses that item alone, in its place', async () => {
    const q = { principal: AWS_USER, action: 's3:GetObject', resource: AWS_OBJECT };
    const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/authorize:batch', { requests: [{ ...q, context: { 'aws:SourceIp': INSIDE } }, { ...q, context: { 'aws:SourceIp': OUTSIDE, 'acs:SourceIp': INSIDE } }] });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    const [first, second] = r.json['results'] as { decision?: string; error?: { code: string; path: string } }[];
    assert.equal(first?.decision, 'Allow');
    assert.equal(second?.error?.code, 'REQUEST_INVALID_CONTEXT', JSON.stringify(second));
    assert.match(second?.error?.path ?? '', /^requests\[1\]\.context\.(aws|acs):SourceIp$/);
  });

  test('POST /v1/simulate refuses it too', async () => {
    const r = await gatehouseJson(s.url, acsAdmin, 'POST', '/v1/simulate', { principal: RAM_USER, action: 'oss:GetObject', resource: RAM_OBJECT, context: { 'aws:SourceIp': OUTSIDE, 'acs:SourceIp': INSIDE } });
    refusedForConflict(r, /^context\.(aws|acs):SourceIp$/);
  });

  test('gatehouse policy evaluate, which decides as the server would, refuses it too (exit 4)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gh-ug1-'));
    try {
      await writeFile(join(dir, 'p.json'), JSON.stringify({ Version: '1', Statement: [{ Effect: 'Allow', Action: 'oss:GetObject', Resource: '*' }, { Effect: 'Deny', Action: 'oss:GetObject', Resource: '*', Condition: { NotIpAddress: { 'acs:SourceIp': '10.0.0.0/8' } } }] }));
      const r = await gatehouseInProcess(['policy', 'evaluate', '--policy', join(dir, 'p.json'), '--principal', RAM_USER, '--action', 'oss:GetObject', '--resource', RAM_OBJECT, '--context', `aws:SourceIp=${OUTSIDE}`, '--context', `acs:SourceIp=${INSIDE}`], { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: '/nonexistent' });
      assert.equal(r.code, EXIT.invalidRequest, r.stdout + r.stderr);
      assert.match(r.stderr, /^--context: context keys `aws:SourceIp` and `acs:SourceIp` name one key .* \[REQUEST_INVALID_CONTEXT\]\n$/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
