/**
 * Policy review C2: an `aws:SourceIp` in IPv4-mapped IPv6 form (`::ffff:203.0.113.5`, what a dual-stack Node socket
 * reports to a resource server) never matched an IPv4 CIDR, so a Deny on `IpAddress 203.0.113.0/24` did not apply
 * (authorize API, real server). The mapped address is the IPv4 address for IpAddress/NotIpAddress.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CreateUserCommand, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { authorizeDecision } from './support/authorize-api.ts';
import { startTestServer, type Credentials, type TestServer } from './support/server.ts';

const ROOT = '000000000000';
const V = '2012-10-17';
const doc = (...Statement: unknown[]): string => JSON.stringify({ Version: V, Statement });

describe('policy review C2: evaluation against AWS through the real server', () => {
  let s: TestServer;
  const ask = (body: Record<string, unknown>, as?: Credentials): Promise<string> => authorizeDecision(s, body, as);
  before(async () => {
    s = await startTestServer();
    const iam = s.iam();
    await iam.send(new CreateUserCommand({ UserName: 'ipuser' }));
    await iam.send(new PutUserPolicyCommand({
      UserName: 'ipuser',
      PolicyName: 'p',
      PolicyDocument: doc({ Effect: 'Allow', Action: 's3:*', Resource: '*' }, { Effect: 'Deny', Action: '*', Resource: '*', Condition: { IpAddress: { 'aws:SourceIp': '203.0.113.0/24' } } }),
    }));
  });
  after(async () => {
    await s.stop();
  });

  it('C2: an IPv4-mapped IPv6 aws:SourceIp is the IPv4 address for IpAddress/NotIpAddress', async () => {
    const base = { principal: `arn:aws:iam::${ROOT}:user/ipuser`, action: 's3:GetObject', resource: 'arn:aws:s3:::b/k' };
    assert.equal(await ask({ ...base, context: { 'aws:SourceIp': '203.0.113.5' } }), 'ExplicitDeny');
    assert.equal(await ask({ ...base, context: { 'aws:SourceIp': '::ffff:203.0.113.5' } }), 'ExplicitDeny');
    assert.equal(await ask({ ...base, context: { 'aws:SourceIp': '::FFFF:cb00:7105' } }), 'ExplicitDeny', 'the same address in hex groups');
    assert.equal(await ask({ ...base, context: { 'aws:SourceIp': '::ffff:198.51.100.1' } }), 'Allow');
    assert.equal(await ask({ ...base, context: { 'aws:SourceIp': '2001:db8::1' } }), 'Allow');
  });
});

describe('policy review C2: IPv4 and IPv4-mapped IPv6 in both directions (engine)', () => {
  it('a mapped address is its IPv4 address to an IPv4 CIDR, and stays in IPv6 CIDRs; nothing else crosses', async () => {
    const { cidrContains, parseCidr, parseIp } = await import('../src/core/iam/index.ts');
    const holds = (cidr: string, ip: string): boolean => cidrContains(parseCidr(cidr)!, parseIp(ip)!);
    assert.equal(holds('::ffff:203.0.113.0/120', '::ffff:203.0.113.5'), true);
    assert.equal(holds('::/0', '203.0.113.5'), false, 'an IPv4 address is in no IPv6 CIDR, as before');
    assert.equal(holds('203.0.113.0/24', '::ffff:203.0.113.5'), true);
    assert.equal(holds('203.0.113.0/24', '::203.0.113.5'), false, 'IPv4-compatible (::/96) is not IPv4-mapped');
    assert.equal(holds('203.0.113.0/24', '64:ff9b::cb00:7105'), false);
    assert.equal(holds('0.0.0.0/0', '2001:db8::1'), false, 'an IPv6 peer is in no IPv4 range');
  });
});
