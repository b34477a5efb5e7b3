/**
 * Policy review CX2: an IPv4 range written in IPv4-mapped IPv6 form (`::ffff:203.0.113.0/120`, as a dual-stack
 * server's logs show its IPv4 clients) did not hold the IPv4 address it maps (`203.0.113.5`), so a Deny on it did not
 * apply to that client. Policy review C2 made a mapped request address match IPv4 CIDRs; this is the other direction.
 * The same address in either notation compares equal; a CIDR wider than the mapped block (`::/0`) stays IPv6-only.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { compilePolicy, contextOf, evaluate, parsePolicy, principalFromArn } from '../src/core/iam/index.ts';

function decide(cidr: string, sourceIp: string): string {
  const alice = principalFromArn('arn:aws:iam::111122223333:user/alice');
  assert.ok(alice.ok);
  const doc = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }, { Effect: 'Deny', Action: 's3:*', Resource: '*', Condition: { IpAddress: { 'aws:SourceIp': cidr } } }] };
  const r = parsePolicy(JSON.stringify(doc), { kind: 'identity' });
  assert.ok(r.ok, JSON.stringify(r));
  return evaluate({ principal: alice.value, action: 's3:GetObject', resource: 'arn:aws:s3:::b/k', context: contextOf({ 'aws:SourceIp': sourceIp }) }, { identity: [compilePolicy(r.value, 'p')] }).decision;
}

describe('policy review CX2: an IPv4 range in mapped form holds its IPv4 addresses', () => {
  it('a Deny on ::ffff:203.0.113.0/120 applies to 203.0.113.5, whichever form the address comes in', () => {
    assert.equal(decide('::ffff:203.0.113.0/120', '203.0.113.5'), 'ExplicitDeny');
    assert.equal(decide('::ffff:203.0.113.0/120', '::ffff:203.0.113.5'), 'ExplicitDeny');
    assert.equal(decide('::ffff:203.0.113.7', '203.0.113.7'), 'ExplicitDeny', 'a bare mapped address is /128: one IPv4 address');
  });

  it('other IPv4 addresses, and IPv6 CIDRs wider than the mapped block, are not held', () => {
    assert.equal(decide('::ffff:203.0.113.0/120', '203.0.114.5'), 'Allow');
    assert.equal(decide('::/0', '203.0.113.5'), 'Allow', '::/0 is IPv6 only');
    assert.equal(decide('::/80', '203.0.113.5'), 'Allow');
    assert.equal(decide('64:ff9b::/96', '203.0.113.5'), 'Allow', 'NAT64 is not the mapped block');
  });
});
