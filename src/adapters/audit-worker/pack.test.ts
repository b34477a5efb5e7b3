/**
 * The packed form a batch crosses to the writer thread in: what the writer rebuilds gives the same record (the
 * same canonical, redacted detail text, so the same hash) as the event the use case recorded.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { canonicalRedacted, type AuditEvent, type TimedEvent } from '../../core/audit/index.ts';
import { decodeEvents, encodeEvents } from './index.ts';

/** What the writer thread should get for `events`: each event without its detail, and the detail's canonical text. */
const expected = (events: readonly TimedEvent[]): TimedEvent[] =>
  events.map(({ at, event: { detail, ...event } }) => ({ at, event, detailText: canonicalRedacted(detail ?? {}) }));

const base: AuditEvent = { kind: 'decision', account: '000000000000', principal: 'arn:aws:iam::000000000000:user/u', action: 's3:GetObject', resource: 'arn:aws:s3:::b/k' };

describe('packed events', () => {
  it('rebuilds every field, shares repeated strings, and keeps numbers exact', () => {
    const events: TimedEvent[] = [];
    for (let i = 0; i < 300; i++) {
      events.push({
        at: 1_796_000_000_000 + (i >> 2),
        event: { ...base, resource: `arn:aws:s3:::b/${i}`, decision: i % 2 ? 'Allow' : 'ImplicitDeny', detail: { matched: [{ engine: 'iam', policy: 'user/u/data', type: 'identity', statement: i % 3, effect: 'Allow' }], n: i / 7 } },
      });
    }
    events.push({ at: 5, event: { ...base, kind: 'session', role: 'arn:r', session: 'arn:s', job: 'j', sourceIdentity: 'si', sourceIp: '10.0.0.1' } });
    // Times: any epoch ms, exact (two 32-bit halves), and a fraction or a negative one as a value.
    for (const at of [0, 2 ** 32 - 1, 2 ** 32, Number.MAX_SAFE_INTEGER, 1.5, -3]) events.push({ at, event: base });
    const packed = encodeEvents(events);
    // 300 resources, 75 times, a few shared strings and 300 distinct fractions: far fewer values than fields.
    assert.ok(packed.values.length < 300 + 300 + 40, String(packed.values.length));
    assert.deepEqual(decodeEvents(packed), expected(events));
  });

  it('gives the same canonical detail as the event, for whatever a detail holds', () => {
    let deep: Record<string, unknown> = { end: true };
    for (let i = 0; i < 40; i++) deep = { next: deep };
    const odd = JSON.parse('{"__proto__": {"polluted": 1}, "x": 1}') as Record<string, unknown>;
    const details: Record<string, unknown>[] = [
      { fn: () => 1, sym: Symbol('s'), gone: undefined, list: [1, undefined, () => 2, null, true, false, -0, Number.NaN, Infinity] },
      { big: 12n, date: new Date(0), map: new Map([['a', 1]]), bytes: new Uint8Array([7, 8]) },
      { secretAccessKey: 'SECRET', nested: { sessionToken: 'T', pem: '-----BEGIN RSA PRIVATE KEY----- abc' }, jwk: { kty: 'RSA', n: 'pub', d: 'priv' } },
      deep,
      odd,
      {},
    ];
    const packed = encodeEvents(details.map((detail, i) => ({ at: i, event: { ...base, detail } })));
    const texts = decodeEvents(packed);
    assert.equal(texts.length, details.length);
    details.forEach((d, i) => {
      // What the writer thread links: the text written straight from the packed form, no detail object.
      assert.equal(texts[i]?.detailText, canonicalRedacted(d), `detail text ${i}`);
      assert.equal(texts[i]?.event.detail, undefined);
    });
    assert.match(texts[2]?.detailText ?? '', /"d":"\[redacted\]".*"n":"pub"/);
    assert.match(texts[4]?.detailText ?? '', /^\{"__proto__":\{"polluted":1\},"x":1\}$/);
    assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
  });

  it('writes the canonical, redacted text of any JSON-like detail (property)', () => {
    const secretish = fc.constantFrom('secretAccessKey', 'session_token', 'Password', 'kty', 'd', 'k', 'n', 'a', 'b', '__proto__', 'é', 'B', '');
    const leaf = fc.oneof(fc.string(), fc.constant('-----BEGIN EC PRIVATE KEY----- 0123456789abcdef'), fc.double(), fc.integer(), fc.boolean(), fc.constant(null), fc.constant(undefined), fc.bigInt());
    const tree = fc.letrec((tie) => ({
      node: fc.oneof({ depthSize: 'small' }, leaf, fc.array(tie('node'), { maxLength: 4 }), fc.dictionary(fc.oneof(secretish, fc.string()), tie('node'), { maxKeys: 5 })),
    })).node;
    fc.assert(
      fc.property(fc.array(fc.dictionary(fc.oneof(secretish, fc.string()), tree, { maxKeys: 6 }), { minLength: 1, maxLength: 5 }), (details) => {
        const texts = decodeEvents(encodeEvents(details.map((detail, i) => ({ at: i, event: { ...base, detail } }))));
        details.forEach((d, i) => assert.equal(texts[i]?.detailText, canonicalRedacted(d)));
      }),
      { numRuns: 300 },
    );
  });

  it('keeps a record whose detail cannot be read, saying so, and the piece whole', () => {
    const hostile = {
      ok: 'kept?',
      nested: {
        get boom(): string {
          throw new Error('no reading this');
        },
      },
    };
    const packed = encodeEvents([
      { at: 1, event: { ...base, detail: { before: 'x', shared: 'y' } } },
      { at: 2, event: { ...base, detail: hostile } },
      { at: 3, event: { ...base, detail: { after: 'z', shared: 'y' } } },
    ]);
    const out = decodeEvents(packed);
    assert.deepEqual(
      out.map((e) => e.detailText),
      [{ before: 'x', shared: 'y' }, { unreadable: 'the detail could not be read: no reading this' }, { after: 'z', shared: 'y' }].map((d) => canonicalRedacted(d)),
    );
    assert.deepEqual(out.map((e) => e.at), [1, 2, 3]);
  });

  it('writes a detail repeated in a piece as often as it comes, and tells apart details whose codes differ by 65,536', () => {
    // `b`'s code is `a`'s plus 2^16, so the two one-key details share the low halves of all their codes: the piece's
    // memo of detail texts must key on the whole code. Fillers (distinct strings) put the codes that far apart.
    const piece = (fillers: number): TimedEvent[] => [
      { at: 1, event: { ...base, detail: { x: 'a' } } },
      { at: 2, event: { ...base, detail: { fill: Array.from({ length: fillers }, (_, i) => `f${i}`) } } },
      { at: 3, event: { ...base, detail: { x: 'b' } } },
      { at: 4, event: { ...base, detail: { x: 'a' } } },
      { at: 5, event: { ...base, detail: { x: 'b' } } },
    ];
    let fillers = 70_000;
    let events = piece(fillers);
    let packed = encodeEvents(events);
    fillers += packed.values.indexOf('a') + 65_536 - packed.values.indexOf('b');
    events = piece(fillers);
    packed = encodeEvents(events);
    assert.equal(packed.values.indexOf('b') - packed.values.indexOf('a'), 65_536);
    const out = decodeEvents(packed);
    assert.deepEqual([0, 2, 3, 4].map((i) => out[i]?.detailText), ['{"x":"a"}', '{"x":"b"}', '{"x":"a"}', '{"x":"b"}']);
    assert.deepEqual(out, expected(events));
    // A detail too long to be kept (past 4,096 codes) is written all the same, each time.
    const long = { list: Array.from({ length: 5000 }, (_, i) => i % 7) };
    const twice = [{ at: 1, event: { ...base, detail: long } }, { at: 2, event: { ...base, detail: long } }];
    assert.deepEqual(decodeEvents(encodeEvents(twice)), expected(twice));
  });

  it('leaves an absent detail absent and an empty batch empty', () => {
    assert.deepEqual(decodeEvents(encodeEvents([{ at: 1, event: base }])), [{ at: 1, event: base, detailText: '{}' }]);
    assert.deepEqual(decodeEvents(encodeEvents([])), []);
  });
});
