/**
 * Review uq, 1: GATEHOUSE_TRUSTED_PROXIES refuses a block of every address (`0.0.0.0/0`, `::/0`, `::ffff:0:0/96`;
 * reviews jn, 1 and jr, 2), since trusting it lets any client choose its own `aws:SourceIp` with `X-Forwarded-For`.
 * Its entries were checked one by one: `0.0.0.0/1,128.0.0.0/1` (or `::/1,8000::/1`, or two halves of the mapped
 * block) holds every address as `0.0.0.0/0` does, and was taken, so every client's own `X-Forwarded-For` was its
 * source IP. Blocks that together hold every IPv4 or every IPv6 address are now refused at start (exit status 2),
 * naming them; ranges that leave a gap are taken, and the client address is read against all of them (the union).
 *
 * Before the fix 2 of 3 tests failed.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { usageRefusal } from './support/start-refused.ts';
import * as facts from '../src/adapters/http/request-facts.ts';

const req = (peer: string, xff: string) => ({ socket: { remoteAddress: peer }, headers: { 'x-forwarded-for': xff } }) as unknown as IncomingMessage;

describe('review uq1: trusted-proxy blocks that together hold every address are refused', () => {
  it('parseTrustedProxies refuses halves of either family, in any order and spelling', () => {
    const cases: ReadonlyArray<readonly [string, string]> = [
      ['0.0.0.0/1,128.0.0.0/1', 'IPv4'],
      ['128.0.0.0/1, 10.0.0.0/8, 0.0.0.0/2, 64.0.0.0/2', 'IPv4'],
      ['::ffff:0:0/97, ::ffff:128.0.0.0/97', 'IPv4'],
      ['0.0.0.0/1, ::ffff:128.0.0.0/97', 'IPv4'],
      ['::/1, 8000::/1', 'IPv6'],
    ];
    for (const [value, family] of cases) {
      const p = facts.parseTrustedProxies(value);
      assert.equal(p.ok, false, `${value}: taken`);
      if (!p.ok) assert.match(p.message, new RegExp(`^GATEHOUSE_TRUSTED_PROXIES: \`[^\`]+\` together trust every ${family} address, so any client could choose its own source IP`), value);
    }
  });

  it('ranges with a gap are taken, and X-Forwarded-For is read against all of them', () => {
    const p = facts.parseTrustedProxies('0.0.0.0/1, 128.0.0.0/2, 192.0.0.0/3, 224.0.0.0/4, 240.0.0.0/5, 248.0.0.0/6, 252.0.0.0/7, 254.0.0.0/8, 255.0.0.0/9');
    assert.ok(p.ok, p.ok ? '' : p.message);
    const two = facts.parseTrustedProxies('10.0.0.0/8, 192.168.0.0/16');
    assert.ok(two.ok, two.ok ? '' : two.message);
    // A chain through both ranges: each trusted hop skipped, the first untrusted one is the client.
    assert.equal(facts.clientAddressOf(req('192.168.1.1', '198.51.100.7, 203.0.113.9, 10.1.1.1'), two.value), '203.0.113.9');
    assert.equal(facts.clientAddressOf(req('10.2.2.2', '203.0.113.9, 192.168.5.5'), two.value), '203.0.113.9');
    assert.equal(facts.clientAddressOf(req('172.16.0.1', '203.0.113.9'), two.value), '172.16.0.1');
  });

  it('the server refuses to start with them (usage)', async () => {
    const e = await usageRefusal({ GATEHOUSE_TRUSTED_PROXIES: '0.0.0.0/1,128.0.0.0/1' });
    assert.match(e, /together trust every IPv4 address/);
  });
});
