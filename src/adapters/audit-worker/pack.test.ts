/**
 * The packed form a batch crosses to the writer thread in: what the writer rebuilds gives the same record (the
 * same canonical, redacted detail text, so the same hash) as the event the use case recorded.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalRedacted, type AuditEvent, type TimedEvent } from '../../core/audit/index.ts';
import { decodeEvents, encodeEvents } from './index.ts';

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
    const packed = encodeEvents(events);
    // 300 resources, 75 times, a few shared strings and 300 distinct fractions: far fewer values than fields.
    assert.ok(packed.values.length < 300 + 75 + 300 + 40, String(packed.values.length));
    assert.deepEqual(decodeEvents(packed), events);
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
    const decoded = decodeEvents(encodeEvents(details.map((detail, i) => ({ at: i, event: { ...base, detail } }))));
    assert.equal(decoded.length, details.length);
    details.forEach((d, i) => assert.equal(canonicalRedacted(decoded[i]?.event.detail), canonicalRedacted(d), `detail ${i}`));
    assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
    assert.equal(Object.getPrototypeOf(decoded[4]?.event.detail), Object.prototype);
  });

  it('leaves an absent detail absent and an empty batch empty', () => {
    assert.deepEqual(decodeEvents(encodeEvents([{ at: 1, event: base }])), [{ at: 1, event: base }]);
    assert.deepEqual(decodeEvents(encodeEvents([])), []);
  });
});
