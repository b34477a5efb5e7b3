/**
 * Review jr, 2: GATEHOUSE_TRUSTED_PROXIES refuses a block of every address (`0.0.0.0/0`, `::/0`, review jn, 1), since
 * trusting it lets any client choose its own `aws:SourceIp` with `X-Forwarded-For`. But `::ffff:0:0/96` (also written
 * `::ffff:0.0.0.0/96`), the IPv4-mapped block a dual-stack host shows IPv4 peers in, holds every IPv4 address (the
 * source IP of an IPv4 peer is compared as its IPv4 address, and such a block holds it, policy review CX2): it was
 * taken, and every IPv4 client's own `X-Forwarded-For` became its source IP, a `Deny` outside the office's range and
 * the audit log's addresses alike. It is now refused at start as `0.0.0.0/0` is (exit status 2), naming why; a mapped
 * block narrower than that (`::ffff:10.0.0.0/104`) is still taken and still trusts its IPv4 peers.
 *
 * Before the fix 2 of 3 tests failed.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { usageRefusal } from './support/start-refused.ts';
import * as facts from '../src/adapters/http/request-facts.ts';

const req = (peer: string, xff: string) => ({ socket: { remoteAddress: peer }, headers: { 'x-forwarded-for': xff } }) as unknown as IncomingMessage;

describe('review jr2: a trusted-proxy block of every IPv4 address, written IPv4-mapped, is refused', () => {
  it('parseTrustedProxies refuses ::ffff:0:0/96 in either spelling', () => {
    for (const value of ['::ffff:0:0/96', '10.0.0.1, ::FFFF:0.0.0.0/96', '0:0:0:0:0:ffff:0:0/96']) {
      const p = facts.parseTrustedProxies(value);
      assert.equal(p.ok, false, `${value}: taken (${JSON.stringify(p.ok ? p.value.map(String) : [])})`);
      if (!p.ok) assert.match(p.message, /GATEHOUSE_TRUSTED_PROXIES: `[^`]+\/96` trusts every IPv4 address, so any client could choose its own source IP/, value);
    }
  });

  it('a narrower mapped block is taken, and trusts its IPv4 peers only', () => {
    const p = facts.parseTrustedProxies('::ffff:10.0.0.0/104, ::ffff:0:0/97');
    assert.ok(p.ok, p.ok ? '' : p.message);
    assert.equal(facts.clientAddressOf(req('::ffff:10.1.2.3', '203.0.113.9'), p.value), '203.0.113.9');
    assert.equal(facts.clientAddressOf(req('::ffff:192.0.2.1', '203.0.113.9'), p.value), '192.0.2.1');
  });

  it('the server refuses to start with it (usage)', async () => {
    const e = await usageRefusal({ GATEHOUSE_TRUSTED_PROXIES: '::ffff:0:0/96' });
    assert.match(e, /trusts every IPv4 address/);
  });
});
