/** Unit tables for the canonical-request pieces, and the fast paths checked against a plain reference. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { canonicalHeaderValue, canonicalQuery, canonicalQueryComponent, canonicalUri, parseAmzDate, parseQuery, toAmzDate } from './canonical.ts';
import { createHmac } from 'node:crypto';
import { clearSigningKeyCache, deriveSigningKey, hmacHex, setSigningKeyCacheSize, signingKey, signingKeyCacheSize, signingPads } from './signing-key.ts';

/** Reference: percent-decode to bytes (malformed `%` literal), re-encode everything but unreserved. */
const reference = (raw: string): string => {
  const bytes: number[] = [];
  for (let i = 0; i < raw.length; ) {
    if (raw[i] === '%' && /^[0-9A-Fa-f]{2}$/.test(raw.slice(i + 1, i + 3))) {
      bytes.push(parseInt(raw.slice(i + 1, i + 3), 16));
      i += 3;
    } else if (raw[i] === '+') {
      // A raw plus is a space, as URLSearchParams reads it.
      bytes.push(0x20);
      i += 1;
    } else {
      const cp = raw.codePointAt(i)!;
      const ch = String.fromCodePoint(cp);
      bytes.push(...Buffer.from(ch, 'utf8'));
      i += ch.length;
    }
  }
  return bytes.map((b) => (/[A-Za-z0-9\-._~]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`)).join('');
};

describe('canonicalQueryComponent', () => {
  it('agrees with the reference on every single-byte escape, upper and lower case', () => {
    for (let b = 0; b < 256; b++) {
      const hex = b.toString(16).padStart(2, '0');
      for (const raw of [`%${hex.toUpperCase()}`, `%${hex}`, `a%${hex.toUpperCase()}b`]) assert.equal(canonicalQueryComponent(raw), reference(raw), raw);
    }
  });

  it('agrees with the reference on arbitrary strings and escape soups', () => {
    const soup = fc.array(fc.oneof(fc.string({ unit: 'binary', maxLength: 4 }), fc.constantFrom('%', '%2', '%zz', '%7E', '%7e', '%2F', '%E2%82%AC', '+', '%2B')), { maxLength: 8 }).map((a) => a.join(''));
    fc.assert(fc.property(fc.oneof(fc.string({ unit: 'binary' }), soup), (raw) => canonicalQueryComponent(raw) === reference(raw)), { numRuns: 2000 });
  });

  it('keeps canonical input as is', () => {
    for (const raw of ['', 'abc', 'A-Z_a.z~0', '%2F%2B%3D', '%E2%82%AC']) assert.equal(canonicalQueryComponent(raw), raw);
    assert.equal(canonicalQueryComponent('%41'), 'A');
    assert.equal(canonicalQueryComponent('a b'), 'a%20b');
    assert.equal(canonicalQueryComponent('a+b'), 'a%20b', 'a raw plus is a space, as the edges read it');
    assert.equal(canonicalQueryComponent('a%2Bb'), 'a%2Bb');
    // What the canonical form says a value is, the edge reads: the two never disagree on a plus or a space.
    for (const raw of ['a+b', 'a%2Bb', 'a%20b', 'a b', '+%2B+', 'x%zz+']) {
      const read = new URLSearchParams(`v=${raw}`).get('v') ?? '';
      assert.equal(canonicalQueryComponent(raw), canonicalQueryComponent(encodeURIComponent(read)), raw);
    }
  });
});

describe('canonicalQuery', () => {
  const q = (raw: string, exclude?: string) => canonicalQuery(parseQuery(raw), exclude);
  it('sorts by key then value, encodes, keeps empty values, drops empty segments', () => {
    assert.equal(q(''), '');
    assert.equal(q('b=2&a=1'), 'a=1&b=2');
    assert.equal(q('a=2&a=1&a-b=0'), 'a=1&a=2&a-b=0');
    assert.equal(q('flag&x='), 'flag=&x=');
    assert.equal(q('a=1&&b=2&'), 'a=1&b=2');
    assert.equal(q('k%7e=v!'), 'k~=v%21');
    assert.equal(q('X-Amz-Signature=abc&a=1', 'X-Amz-Signature'), 'a=1');
  });
});

describe('canonicalUri', () => {
  const table: [string, boolean, string][] = [
    ['', false, '/'],
    ['/', false, '/'],
    ['/a/b', false, '/a/b'],
    ['/a%20b', false, '/a%2520b'],
    ['/a b', false, '/a%20b'],
    ['/./a/../b//c/', false, '/b/c/'],
    ['/..', false, '/'],
    ['/a/.', false, '/a'],
    ['/€', false, '/%E2%82%AC'],
    ['/a!b', false, '/a%21b'],
    ['/a%20b/./c', true, '/a%20b/./c'],
    ['', true, '/'],
  ];
  for (const [path, s3, expected] of table) it(`${s3 ? 's3 ' : ''}${JSON.stringify(path)} → ${expected}`, () => assert.equal(canonicalUri(path, s3), expected));
});

describe('canonicalHeaderValue', () => {
  for (const [raw, expected] of [
    ['a', 'a'],
    ['  a  ', 'a'],
    ['a   b', 'a b'],
    ['a\tb', 'a b'],
    ['\ta b\t', 'a b'],
    ['a\r\n b', 'a b'],
    ['', ''],
  ] as const) it(`${JSON.stringify(raw)} → ${JSON.stringify(expected)}`, () => assert.equal(canonicalHeaderValue(raw), expected));
});

describe('parseAmzDate', () => {
  it('reads real instants and rejects impossible ones', () => {
    assert.equal(parseAmzDate('20260101T120000Z'), Date.UTC(2026, 0, 1, 12));
    assert.equal(parseAmzDate('20240229T000000Z'), Date.UTC(2024, 1, 29));
    assert.equal(parseAmzDate('20000229T235959Z'), Date.UTC(2000, 1, 29, 23, 59, 59));
    for (const bad of ['20250229T000000Z', '21000229T000000Z', '20261301T000000Z', '20260100T000000Z', '20260431T000000Z', '20260101T240000Z', '20260101T126000Z', '20260101T120060Z', '2026-01-01T12:00:00Z', '20260101T120000', ' 20260101T120000Z']) {
      assert.equal(parseAmzDate(bad), undefined, bad);
    }
  });
  it('round-trips with toAmzDate', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 253402300799 }), (s) => parseAmzDate(toAmzDate(s * 1000)) === s * 1000));
  });
});

describe('signing-key cache', () => {
  it('returns the derived key and stays bounded', () => {
    clearSigningKeyCache();
    const key = signingKey('secret', '20260101/us-east-1/iam/aws4_request', '20260101', 'us-east-1', 'iam');
    assert.deepEqual(key.export(), deriveSigningKey('secret', '20260101', 'us-east-1', 'iam'));
    assert.equal(signingKey('secret', '20260101/us-east-1/iam/aws4_request', '20260101', 'us-east-1', 'iam'), key);
    setSigningKeyCacheSize(4);
    for (let i = 0; i < 20; i++) signingKey(`s${i}`, '20260101/us-east-1/iam/aws4_request', '20260101', 'us-east-1', 'iam');
    for (let i = 0; i < 20; i++) signingKey('one', `20260101/r${i}/iam/aws4_request`, '20260101', `r${i}`, 'iam');
    assert.ok(signingKeyCacheSize() <= 3 * 1 + 8, `cache holds ${signingKeyCacheSize()} keys`);
    setSigningKeyCacheSize(1024);
    clearSigningKeyCache();
    assert.equal(signingKeyCacheSize(), 0);
  });

  it('derives the key of the AWS documentation example', () => {
    // https://docs.aws.amazon.com/IAM/latest/UserGuide/signing-elements.html (iam, us-east-1, 20150830)
    const key = deriveSigningKey('wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', '20150830', 'us-east-1', 'iam');
    assert.equal(key.toString('hex'), 'c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9');
  });

  it('signs with the pads (two one-shot hashes) exactly as createHmac does with the key', () => {
    clearSigningKeyCache();
    const scope = '20150830/us-east-1/iam/aws4_request';
    const pads = signingPads('wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', scope, '20150830', 'us-east-1', 'iam');
    // The AWS documentation example's string to sign and signature (signing-elements.html).
    const stringToSign = 'AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/iam/aws4_request\nf536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59';
    assert.equal(hmacHex(pads.innerPad, pads.outerPad, stringToSign), '5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7');
    const key = signingKey('wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', scope, '20150830', 'us-east-1', 'iam');
    fc.assert(
      fc.property(fc.string({ unit: fc.integer({ min: 0, max: 0x7f }).map((c) => String.fromCharCode(c)), maxLength: 300 }), (message) => {
        assert.equal(hmacHex(pads.innerPad, pads.outerPad, message), createHmac('sha256', key).update(message, 'utf8').digest('hex'));
      }),
    );
    clearSigningKeyCache();
  });
});
