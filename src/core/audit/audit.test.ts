import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { canonicalJson, canonicalRedacted, chainVerifier, detailTextOf, EMPTY_HEAD, linkEvents, recordHash, redact, REDACTED, type AuditEvent, type AuditRecord } from './index.ts';

const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');

const event = (i: number, detail: Record<string, unknown> = {}): AuditEvent => ({
  kind: 'change',
  account: '123456789012',
  principal: 'arn:aws:iam::123456789012:user/alice',
  action: 'iam:CreateRole',
  resource: `arn:aws:iam::123456789012:role/r${i}`,
  decision: 'ok',
  detail,
});

describe('canonical JSON', () => {
  const cases: [unknown, string][] = [
    [{ b: 1, a: [2, { d: null, c: 'x' }] }, '{"a":[2,{"c":"x","d":null}],"b":1}'],
    [{ a: undefined, b: 'é"\n' }, '{"b":"é\\"\\n"}'],
    [[undefined, NaN, Infinity], '[null,null,null]'],
    ['text', '"text"'],
    [{}, '{}'],
  ];
  for (const [value, text] of cases) it(text, () => assert.equal(canonicalJson(value), text));
  it('does not depend on key order', () => assert.equal(canonicalJson({ x: 1, y: { b: 2, a: 1 } }), canonicalJson({ y: { a: 1, b: 2 }, x: 1 })));
});

describe('redaction', () => {
  it('strips secrets wherever they are, keeps what names them', () => {
    const input = {
      accessKeyId: 'AKIAEXAMPLE',
      SecretAccessKey: 'wJalr/secret',
      credentials: { AccessKeyId: 'ASIA1', SecretAccessKey: 's', SessionToken: 't' },
      nested: [{ sessionToken: 'IQo…', securityToken: 'x', AccessKeySecret: 'y', password: 'p', 'client-secret': 'c' }],
      sealed: 'v1.aaaa',
      sealedSecret: 'v1.bbbb',
      capability: 'cap',
      webIdentityToken: 'eyJ…',
      jwk: { kty: 'EC', crv: 'P-256', x: 'xx', y: 'yy', d: 'private' },
      pem: '-----BEGIN PRIVATE KEY-----\nMII…',
      userName: 'alice',
      policyDocument: '{"Version":"2012-10-17"}',
      tokenIssueTime: '2024-01-01T00:00:00Z',
    };
    const out = redact(input) as Record<string, unknown>;
    assert.equal(out['accessKeyId'], 'AKIAEXAMPLE');
    assert.equal(out['SecretAccessKey'], REDACTED);
    assert.equal(out['credentials'], REDACTED);
    assert.deepEqual(out['nested'], [{ sessionToken: REDACTED, securityToken: REDACTED, AccessKeySecret: REDACTED, password: REDACTED, 'client-secret': REDACTED }]);
    assert.equal(out['sealed'], REDACTED);
    assert.equal(out['sealedSecret'], REDACTED);
    assert.equal(out['capability'], REDACTED);
    assert.equal(out['webIdentityToken'], REDACTED);
    assert.deepEqual(out['jwk'], { kty: 'EC', crv: 'P-256', x: 'xx', y: 'yy', d: REDACTED });
    assert.equal(out['pem'], REDACTED);
    assert.equal(out['userName'], 'alice');
    assert.equal(out['policyDocument'], '{"Version":"2012-10-17"}');
    assert.equal(out['tokenIssueTime'], '2024-01-01T00:00:00Z');
    const text = JSON.stringify(out);
    for (const secret of ['wJalr', '"s"', '"t"', 'IQo', 'private', 'MII', 'v1.aaaa', 'cap"']) assert.ok(!text.includes(secret), `${secret} leaked`);
    assert.equal(input.SecretAccessKey, 'wJalr/secret', 'the input is not modified');
  });

  it('cuts cycles', () => {
    const a: Record<string, unknown> = { x: 1 };
    a['self'] = a;
    assert.deepEqual(redact(a), { x: 1, self: '[cut]' });
  });

  it('is applied when events are linked: a secret never reaches a record', () => {
    const [r] = linkEvents([{ at: 0, event: event(1, { input: { userName: 'bob' }, result: { secretAccessKey: 'SECRET' } }) }], EMPTY_HEAD, sha256);
    assert.ok(r);
    assert.deepEqual(r.detail, { input: { userName: 'bob' }, result: { secretAccessKey: REDACTED } });
    assert.ok(!JSON.stringify(r).includes('SECRET'));
  });
});

describe('the chain', () => {
  const records = linkEvents(
    Array.from({ length: 5 }, (_, i) => ({ at: Date.UTC(2024, 0, 1, 0, 0, i), event: event(i, { n: i }) })),
    EMPTY_HEAD,
    sha256,
  );
  const head = { seq: 5, hash: (records[4] as AuditRecord).hash };
  const verify = (rs: readonly AuditRecord[], h = head) => {
    const v = chainVerifier(EMPTY_HEAD, sha256);
    return v.check(rs) ?? v.end(h);
  };

  it('links records: seq from the head, prevHash to the previous hash', () => {
    assert.deepEqual(records.map((r) => r.seq), [1, 2, 3, 4, 5]);
    assert.equal(records[0]?.prevHash, EMPTY_HEAD.hash);
    for (let i = 1; i < records.length; i++) assert.equal(records[i]?.prevHash, records[i - 1]?.hash);
    assert.equal(records[0]?.at, '2024-01-01T00:00:00.000Z');
    assert.equal(verify(records), undefined);
  });

  it('hashes the canonical JSON of the record without its hash, whichever fields are present', () => {
    // Fields that need escaping (a quote, a backslash, a control character, a lone surrogate), twice in a batch.
    const odd = { ...event(8, {}), principal: 'arn:aws:iam::000000000000:user/"q"\\b\n', action: 's3:Get\ud800', role: 'r\u0001', session: 'é"' };
    const full = linkEvents(
      [
        { at: 0, event: { ...event(7, { z: 1, a: [true, null, 'x'] }), role: 'arn:r', session: 'arn:s', job: 'j', sourceIdentity: 'si', sourceIp: '10.0.0.1' } },
        { at: 0, event: odd },
        { at: 1, event: odd },
      ],
      EMPTY_HEAD,
      sha256,
    );
    for (const r of [...records, ...full]) {
      const { hash, ...rest } = r;
      assert.equal(hash, sha256(canonicalJson(rest)));
      assert.equal(recordHash(rest, sha256), hash);
    }
  });

  it('redacts while writing canonical JSON as redact() then canonicalJson() would', () => {
    const samples: unknown[] = [
      { b: { SecretAccessKey: 'x', ok: [1, { token: 't', kty: 'EC', d: 'p', x: 'y' }] }, a: '-----BEGIN RSA PRIVATE KEY-----\nMIIxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx' },
      { password: { nested: 'all of it' }, list: [undefined, Infinity, -0, 1e21, 'é'] },
      'plain',
      [],
    ];
    for (const v of samples) assert.equal(canonicalRedacted(v), canonicalJson(redact(v)));
  });

  it('links records for the store without parsing their detail back: same hashes, the detail text kept for the store', () => {
    const events = Array.from({ length: 5 }, (_, i) => ({ at: Date.UTC(2024, 0, 1, 0, 0, i), event: event(i, { n: i, password: 'p' }) }));
    const parsed = linkEvents(events, EMPTY_HEAD, sha256);
    const lean = linkEvents(events, EMPTY_HEAD, sha256, { parsed: false });
    assert.deepEqual(lean.map((r) => r.hash), parsed.map((r) => r.hash));
    assert.deepEqual(lean.map((r) => detailTextOf(r)), parsed.map((r) => canonicalJson(r.detail)));
    assert.equal(detailTextOf(lean[1] as AuditRecord), '{"n":1,"password":"[redacted]"}');
    assert.deepEqual(Object.keys((lean[1] as AuditRecord).detail), []);
  });

  it('continues from a head', () => {
    const more = linkEvents([{ at: 0, event: event(9) }], head, sha256);
    assert.equal(more[0]?.seq, 6);
    assert.equal(more[0]?.prevHash, head.hash);
  });

  it('finds an altered record', () => {
    const altered = records.map((r) => (r.seq === 3 ? { ...r, resource: 'arn:aws:iam::123456789012:role/other' } : r));
    assert.deepEqual(verify(altered), { seq: 3, reason: 'altered', message: 'record 3 was altered: its content does not match its hash' });
    const detail = records.map((r) => (r.seq === 2 ? { ...r, detail: { n: 99 } } : r));
    assert.equal(verify(detail)?.seq, 2);
  });

  it('finds a re-hashed record by the next link', () => {
    const forged = records.map((r) => (r.seq === 2 ? { ...r, decision: 'denied' } : r));
    const { hash: _h, ...rest } = forged[1] as AuditRecord;
    void _h;
    const rehashed = forged.map((r) => (r.seq === 2 ? { ...r, hash: sha256(canonicalJson({ ...rest })) } : r));
    const broken = verify(rehashed);
    assert.ok(broken && broken.seq <= 3, JSON.stringify(broken));
  });

  it('finds a deleted record, and a deleted tail', () => {
    assert.equal(verify(records.filter((r) => r.seq !== 4))?.reason, 'missing');
    assert.equal(verify(records.filter((r) => r.seq !== 4))?.seq, 4);
    assert.deepEqual(verify(records.slice(0, 3)), { seq: 4, reason: 'truncated', message: 'records 4–5 are missing: the chain ends at 3 but its head is 5' });
  });

  it('verifies from a checkpoint after pruning', () => {
    const base = records[1] as AuditRecord;
    const v = chainVerifier({ baseSeq: base.seq, baseHash: base.hash }, sha256);
    assert.equal(v.check(records.slice(2)) ?? v.end(head), undefined);
    assert.equal(v.checked, 3);
    const w = chainVerifier({ baseSeq: base.seq, baseHash: 'f'.repeat(64) }, sha256);
    assert.equal(w.check(records.slice(2))?.reason, 'unlinked');
  });
});

describe('a keyed chain (HMAC under a chain key) with records linked before it was keyed', () => {
  const keyed = (s: string): string => createHmac('sha256', 'chain key').update(s).digest('hex');
  const relink = (rs: readonly AuditRecord[], digest: (s: string) => string): AuditRecord[] => {
    let prev = EMPTY_HEAD.hash;
    return rs.map((r) => {
      const { hash: _, ...rest } = r;
      const next = { ...rest, prevHash: prev };
      prev = recordHash(next, digest);
      return { ...next, hash: prev };
    });
  };
  const events = [1, 2, 3, 4, 5].map((i) => ({ at: i * 1000, event: event(i) }));
  const old = linkEvents(events.slice(0, 3), EMPTY_HEAD, sha256);
  const upgraded = [...old, ...linkEvents(events.slice(3), old[2] as AuditRecord, keyed)];
  const headOf = (rs: readonly AuditRecord[]) => ({ seq: (rs.at(-1) as AuditRecord).seq, hash: (rs.at(-1) as AuditRecord).hash });
  const check = (rs: readonly AuditRecord[], unkeyed: ((s: string) => string) | null = sha256) => {
    const v = chainVerifier({ baseSeq: 0, baseHash: EMPTY_HEAD.hash }, keyed, unkeyed ?? undefined);
    v.check(rs);
    v.end(headOf(rs));
    return v;
  };

  it('verifies, keyed from the first keyed record', () => {
    const v = check(upgraded);
    assert.deepEqual([v.breakCount, v.checked, v.keyedFrom], [0, 5, 4]);
  });

  it('without the unkeyed digest, records before the key are altered', () => {
    assert.deepEqual(check(upgraded, null).breaks.map((b) => `${b.seq} ${b.reason}`), ['1 altered', '2 altered', '3 altered']);
  });

  it('the whole chain linked again without the key: its newest record is reported', () => {
    const forged = relink(upgraded.map((r) => (r.seq === 4 ? { ...r, principal: 'someone else' } : r)), sha256);
    const v = check(forged);
    // The whole chain written again without the key: no keyed record, and the newest is reported.
    assert.equal(v.keyedFrom, undefined);
    assert.deepEqual(v.breaks.map((b) => `${b.seq} ${b.reason}`), ['5 unkeyed']);
  });

  it('a keyed record written again without the key after keyed ones: unkeyed', () => {
    const head = upgraded.slice(0, 4);
    let prev = (head[3] as AuditRecord).hash;
    const rest = [upgraded[4] as AuditRecord].map((r) => {
      const { hash: _, ...x } = r;
      const next = { ...x, detail: { n: 1 }, prevHash: prev };
      prev = recordHash(next, sha256);
      return { ...next, hash: prev };
    });
    const v = check([...head, ...rest]);
    assert.deepEqual([v.keyedFrom, v.breaks.map((b) => `${b.seq} ${b.reason}`)], [4, ['5 unkeyed']]);
  });
});
