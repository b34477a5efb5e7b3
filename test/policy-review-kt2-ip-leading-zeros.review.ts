/**
 * Review kt, finding 2: IPv4 addresses with leading zeros (`010.0.0.1`) were read as decimal, in policies' `IpAddress` /
 * `NotIpAddress` values and in a request's `aws:SourceIp`.
 *
 * Such an octet has two readings: BSD's `inet_aton` (glibc, curl, browsers' URL parsers) reads `010` as octal 8, others as
 * decimal 10. A parser that picks one behind an access-control check disagrees with the stack the address came through,
 * the known bypass of CVE-2021-29921 (Python `ipaddress`) and CVE-2021-28918 (npm `netmask`); Go's `net.ParseIP` (1.17)
 * and Node's `net.isIP` refuse the form for that reason. Gatehouse took `010.0.0.1` as 10.0.0.1: a policy
 * `Allow … IpAddress aws:SourceIp 10.0.0.0/8` let in a client a resource server passed as `010.0.0.1` (8.0.0.1 to the
 * resource server's own stack), a `Deny … NotIpAddress 10.0.0.0/8` did not apply to it, and a policy value
 * `010.0.0.0/8` was stored as if it said `10.0.0.0/8`.
 *
 * Now an octet of more than one digit that starts with `0` is no IPv4 address, as in Go and Node: a policy value with one
 * is refused when written (naming the value), the authorize API refuses such an `aws:SourceIp` with
 * REQUEST_INVALID_CONTEXT at `context.aws:SourceIp`, and the engine, given one, fails closed (an Allow on it does not
 * apply, a Deny does). `0.0.0.0`, `10.0.0.0` and `::ffff:10.0.0.1` read as before.
 *
 * Before the fix 3 of 3 tests failed. The engine (src/core/iam), and a real server (SQLite) for the authorize API.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CreateUserCommand, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { compilePolicy, contextOf, evaluate, parsePolicy, principalFromArn } from '../src/core/iam/index.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, type TestServer } from './support/server.ts';

const V = '2012-10-17';
const ALICE = 'arn:aws:iam::000000000000:user/alice';

function compiled(statements: object[]) {
  const r = parsePolicy(JSON.stringify({ Version: V, Statement: statements }), { kind: 'identity' });
  assert.ok(r.ok, JSON.stringify(r.ok ? '' : r.errors));
  return compilePolicy(r.value, 'p');
}

describe('kt2: IPv4 addresses with leading zeros', () => {
  it('a policy value with a leading-zero octet is refused when written, naming the value', () => {
    for (const value of ['010.0.0.0/8', '10.0.0.01', '::ffff:010.0.0.1']) {
      const r = parsePolicy(JSON.stringify({ Version: V, Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*', Condition: { IpAddress: { 'aws:SourceIp': value } } }] }), { kind: 'identity' });
      assert.ok(!r.ok, `${value} was accepted`);
      assert.equal(r.errors[0]?.code, 'POLICY_INVALID_CONDITION_VALUE', JSON.stringify(r.errors));
      assert.match(r.errors[0]?.message ?? '', new RegExp(`\`${value.replaceAll('.', '\\.')}\`.*leading zero`), JSON.stringify(r.errors));
    }
    for (const value of ['0.0.0.0/0', '10.0.0.0/8', '10.0.0.1', '::ffff:10.0.0.1', '2001:db8::/32']) {
      const r = parsePolicy(JSON.stringify({ Version: V, Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*', Condition: { IpAddress: { 'aws:SourceIp': value } } }] }), { kind: 'identity' });
      assert.ok(r.ok, `${value}: ${JSON.stringify(r.ok ? '' : r.errors)}`);
    }
  });

  it('the engine reads a request address with one as unreadable: an Allow on it does not apply, a Deny does', () => {
    const p = principalFromArn(ALICE);
    assert.ok(p.ok);
    const allow = compiled([{ Effect: 'Allow', Action: 's3:*', Resource: '*', Condition: { IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } } }]);
    const guard = compiled([
      { Effect: 'Allow', Action: 's3:*', Resource: '*' },
      { Sid: 'Office', Effect: 'Deny', Action: 's3:*', Resource: '*', Condition: { NotIpAddress: { 'aws:SourceIp': '10.0.0.0/8' } } },
    ]);
    const ask = (set: ReturnType<typeof compiled>, ip: string) =>
      evaluate({ principal: p.value, action: 's3:GetObject', resource: 'arn:aws:s3:::b/k', context: contextOf({ 'aws:SourceIp': ip }) }, { identity: [set] }).decision;
    assert.equal(ask(allow, '10.0.0.1'), 'Allow');
    assert.equal(ask(allow, '010.0.0.1'), 'ImplicitDeny');
    assert.equal(ask(guard, '10.0.0.1'), 'Allow');
    assert.equal(ask(guard, '010.0.0.1'), 'ExplicitDeny');
    assert.equal(ask(allow, '::ffff:10.0.0.1'), 'Allow', 'an IPv4-mapped address reads as before');
  });

  describe('the authorize API', () => {
    let s: TestServer;
    before(async () => {
      s = await startTestServer();
      await s.iam().send(new CreateUserCommand({ UserName: 'alice' }));
      await s.iam().send(new PutUserPolicyCommand({ UserName: 'alice', PolicyName: 'office', PolicyDocument: JSON.stringify({ Version: V, Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*', Condition: { IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } } }] }) }));
    });
    after(() => s?.stop());

    it('refuses an aws:SourceIp with a leading-zero octet, and decides a plain one', async () => {
      const q = (ip: string) => gatehouseJson(s.url, s.admin, 'POST', '/v1/authorize', { principal: ALICE, action: 's3:GetObject', resource: 'arn:aws:s3:::b/k', context: { 'aws:SourceIp': ip } });
      const bad = await q('010.0.0.1');
      assert.equal(bad.status, 400, JSON.stringify(bad.json));
      const e = bad.json['error'] as { gatehouseCode?: string; details?: { path?: string; message?: string }[] };
      assert.equal(e.gatehouseCode, 'REQUEST_INVALID_CONTEXT', JSON.stringify(bad.json));
      assert.equal(e.details?.[0]?.path, 'context.aws:SourceIp', JSON.stringify(bad.json));
      const good = await q('10.0.0.1');
      assert.equal(good.status, 200, JSON.stringify(good.json));
      assert.equal(good.json['decision'], 'Allow', JSON.stringify(good.json));
    });
  });
});
