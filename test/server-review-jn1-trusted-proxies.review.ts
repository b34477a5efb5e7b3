/**
 * Review jn, 1. Behind a load balancer every request reached the server from the balancer's address, and that was the
 * source IP of every audit record, every `aws:SourceIp` condition and the auth-failure flood gate: a policy allowing
 * the office's range refused everyone (or, with the balancer's range, allowed everyone), and one client's failed
 * signatures suppressed the records of all. There was no way to say the balancer is trusted.
 * GATEHOUSE_TRUSTED_PROXIES (CIDR blocks, default none) now names the proxies: only from one of them is
 * `X-Forwarded-For` read, from the right, trusted hops skipped, and the first untrusted address is the client's (the
 * entries to its left are the client's own to write). From any other peer the header is ignored. A malformed setting
 * (not an address or block, a /0 that trusts everyone) is refused at start, exit status 2. Real server on 127.0.0.1
 * trusting 127.0.0.1 only (127.0.0.2, this host too, is an untrusted peer), real IAM and S3 clients.
 * Before the fix 18 of 20 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Agent } from 'node:http';
import type { IncomingMessage } from 'node:http';
import { CreateAccessKeyCommand, CreateUserCommand, GetUserCommand, IAMClient, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { ListBucketsCommand, type S3Client } from '@aws-sdk/client-s3';
import { usageRefusal } from './support/start-refused.ts';
import * as facts from '../src/adapters/http/request-facts.ts';
import { errorName, REGION, startTestServer, type Credentials, type TestServer } from './support/server.ts';
import { s3ClientAs } from './support/s3.ts';
import { gatehouseJson } from './support/resource-server.ts';

const OFFICE = '203.0.113.0/24';
const POLICY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: ['iam:GetUser', 's3:ListAllMyBuckets'], Resource: '*', Condition: { IpAddress: { 'aws:SourceIp': OFFICE } } }],
});

/** Sends `X-Forwarded-For: forwarded` on each request of `client` (as a load balancer in front would add it). */
function forwarding<C extends { middlewareStack: IAMClient['middlewareStack'] | S3Client['middlewareStack'] }>(client: C, forwarded: string): C {
  (client.middlewareStack as IAMClient['middlewareStack']).add(
    (next) => async (args) => {
      const request = args.request as { headers: Record<string, string> };
      request.headers['x-forwarded-for'] = forwarded;
      return next(args);
    },
    { step: 'build', name: 'xForwardedFor' },
  );
  return client;
}

describe('review jn1: GATEHOUSE_TRUSTED_PROXIES takes the client address from X-Forwarded-For, from trusted proxies only', () => {
  let s: TestServer;
  let alice: Credentials;
  const clients: { destroy(): void }[] = [];
  const iamFrom = (forwarded: string, localAddress = '127.0.0.1'): IAMClient => {
    const c = forwarding(new IAMClient({ endpoint: s.url, region: REGION, credentials: alice, maxAttempts: 1, requestHandler: { httpAgent: new Agent({ keepAlive: false, localAddress }) } }), forwarded);
    clients.push(c);
    return c;
  };
  const getUser = (c: IAMClient) => errorName(c.send(new GetUserCommand({ UserName: 'alice' })));

  before(async () => {
    s = await startTestServer({ env: { GATEHOUSE_TRUSTED_PROXIES: ' 127.0.0.1/32 , 2001:db8::/32' } });
    const iam = s.iam();
    await iam.send(new CreateUserCommand({ UserName: 'alice' }));
    await iam.send(new PutUserPolicyCommand({ UserName: 'alice', PolicyName: 'office-only', PolicyDocument: POLICY }));
    const key = (await iam.send(new CreateAccessKeyCommand({ UserName: 'alice' }))).AccessKey;
    alice = { accessKeyId: key?.AccessKeyId ?? '', secretAccessKey: key?.SecretAccessKey ?? '' };
  });
  after(async () => {
    for (const c of clients) c.destroy();
    await s?.stop();
  });

  it('from a trusted proxy, the right-most untrusted X-Forwarded-For address is aws:SourceIp (IAM API)', async () => {
    // Before: aws:SourceIp was 127.0.0.1, the proxy's, outside the office: AccessDenied.
    assert.equal(await getUser(iamFrom('198.51.100.7, 203.0.113.9')), 'no error');
    // A trusted hop between (another proxy of the list) is skipped.
    assert.equal(await getUser(iamFrom('203.0.113.10, 2001:db8::5')), 'no error');
    assert.ok(s.logs.some((l) => l.includes('X-Forwarded-For') && l.includes('127.0.0.1/32, 2001:db8::/32')), s.logs.join('\n'));
  });

  it('an address the client wrote to the left of what the proxy saw is not believed', async () => {
    assert.equal(await getUser(iamFrom('203.0.113.9, 198.51.100.7')), 'AccessDenied');
    // An entry that is not an address ends the walk at the proxy that passed it on (127.0.0.1).
    assert.equal(await getUser(iamFrom('203.0.113.9, unknown')), 'AccessDenied');
  });

  it('from a peer that is not a trusted proxy, X-Forwarded-For is ignored', async () => {
    assert.equal(await getUser(iamFrom('203.0.113.9', '127.0.0.2')), 'AccessDenied');
  });

  it('the audit record names the client, not the proxy', async () => {
    await getUser(iamFrom('192.0.2.44'));
    await s.running.app.audit.flush();
    const page = await gatehouseJson(s.url, s.admin, 'GET', '/v1/audit?limit=1000');
    assert.equal(page.status, 200, JSON.stringify(page.json));
    const records = page.json['records'] as { action?: string; principal?: string; sourceIp?: string }[];
    const refused = records.filter((r) => r.action === 'iam:GetUser' && r.principal?.endsWith(':user/alice') === true);
    assert.ok(refused.some((r) => r.sourceIp === '192.0.2.44'), JSON.stringify(refused.map((r) => r.sourceIp)));
    assert.ok(refused.some((r) => r.sourceIp === '127.0.0.2'), 'an untrusted peer is recorded as itself');
  });

  it('the S3 gateway takes the client address the same way', async () => {
    const trustedPeer = forwarding(s3ClientAs(s, alice), '203.0.113.77');
    const spoofed = forwarding(s3ClientAs(s, alice), '203.0.113.77, 198.51.100.1');
    clients.push(trustedPeer, spoofed);
    assert.equal(await errorName(trustedPeer.send(new ListBucketsCommand({}))), 'no error');
    assert.equal(await errorName(spoofed.send(new ListBucketsCommand({}))), 'AccessDenied');
  });
});

describe('review jn1: clientAddressOf', () => {
  const proxies = () => {
    const p = facts.parseTrustedProxies('10.0.0.0/8,fd00::/8');
    assert.ok(p.ok);
    return p.value;
  };
  const req = (peer: string, xff?: string | string[]) => ({ socket: { remoteAddress: peer }, headers: xff === undefined ? {} : { 'x-forwarded-for': xff } }) as unknown as IncomingMessage;
  const table: [string, string, string | string[] | undefined, string][] = [
    ['no header', '10.1.1.1', undefined, '10.1.1.1'],
    ['an untrusted peer', '::ffff:192.0.2.1', '203.0.113.1', '192.0.2.1'],
    ['an IPv4-mapped trusted peer', '::ffff:10.1.1.1', '203.0.113.1', '203.0.113.1'],
    ['ports and brackets', 'fd00::1', '[2001:db8::7]:4433, 203.0.113.1:8080', '203.0.113.1'],
    ['a bracketed IPv6 client', 'fd00::1', '[2001:DB8::7]:4433', '2001:db8::7'],
    ['every hop trusted: the left-most', '10.1.1.1', '10.2.2.2, 10.3.3.3', '10.2.2.2'],
    ['header copies read in order', '10.1.1.1', ['198.51.100.1', '203.0.113.5, 10.9.9.9'], '203.0.113.5'],
    ['garbage at the right: the peer', '10.1.1.1', '203.0.113.5, <script>', '10.1.1.1'],
    ['garbage past a trusted hop: that hop', '10.1.1.1', 'x, 10.4.4.4', '10.4.4.4'],
    ['an empty header', '10.1.1.1', '', '10.1.1.1'],
  ];
  for (const [label, peer, xff, want] of table) {
    it(label, () => assert.equal(facts.clientAddressOf(req(peer, xff), proxies()), want));
  }
  it('no proxies: the connection', () => assert.equal(facts.clientAddressOf(req('10.1.1.1', '203.0.113.1'), []), '10.1.1.1'));
});

describe('review jn1: a malformed GATEHOUSE_TRUSTED_PROXIES is refused at start', () => {
  for (const [value, message] of [
    ['10.0.0.0/33', /GATEHOUSE_TRUSTED_PROXIES: `10\.0\.0\.0\/33` is not an IP address or CIDR block; give the addresses or ranges/],
    ['https://lb.example.com', /`https:\/\/lb\.example\.com` is not an IP address or CIDR block/],
    ['10.0.0.1, 0.0.0.0/0', /`0\.0\.0\.0\/0` trusts every address, so any client could choose its own source IP/],
    ['::/0', /`::\/0` trusts every address/],
  ] as const) {
    it(`\`${value}\`: usage error`, async () => {
      const e = await usageRefusal({ GATEHOUSE_TRUSTED_PROXIES: value });
      assert.match(e, message);
    });
  }
});
