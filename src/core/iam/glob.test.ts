/**
 * The glob matchers (review W): patterns with several `*` are matched by stepping a set of positions over the
 * input, not by a backtracking RegExp, which could hold the server's one thread for seconds to hours on an input
 * that almost matches. Checked against the RegExp forms the matchers had (reference §A.1.5, docs/semantics.md
 * "Matching") on random patterns and inputs, and on the review's inputs with a timeout.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { arnConditionMatcher, globMatcher, resourceMatcher } from './glob.ts';

const esc = (c: string): string => (/[\\^$.*+?()[\]{}|/-]/.test(c) ? `\\${c}` : c);
const src = (p: string, star: string, one: string): string => [...p].map((c) => (c === '*' ? star : c === '?' ? one : esc(c))).join('');

/** The RegExp each flavour was built as before (glob.ts at 6654049), the reference here. */
const reference = {
  glob: (p: string) => new RegExp(`^${src(p, '.*', '.')}$`, 's'),
  resource: (p: string) => {
    const segments = p.startsWith('arn:') ? 6 : 5;
    const parts = p.split(':');
    const head = parts.slice(0, segments - 1).map((seg) => [...seg].map((c, j) => (c === '*' ? (j === seg.length - 1 ? '.*' : '[^:]*') : c === '?' ? '[^:]' : esc(c))).join('')).join(':');
    const rest = parts.length >= segments ? parts.slice(segments - 1).join(':') : undefined;
    return new RegExp(`^${rest === undefined ? head : `${head}:${src(rest, '.*', '.')}`}$`, 's');
  },
  arn: (p: string) => {
    const segments = p.startsWith('arn:') ? 6 : 5;
    const parts = p.split(':');
    const head = parts.slice(0, segments - 1).map((seg) => src(seg, '[^:]*', '[^:]'));
    return new RegExp(`^${head.join(':')}:${src(parts.slice(segments - 1).join(':'), '.*', '.')}$`, 's');
  },
};

// Small alphabets, so that patterns and inputs meet often.
const unit = fc.constantFrom('a', 'b', ':', '/', '.');
const patUnit = fc.constantFrom('a', 'b', ':', '/', '*', '*', '?');
const text = (u: fc.Arbitrary<string>, max: number) => fc.array(u, { maxLength: max }).map((a) => a.join(''));

describe('glob matchers with several *', () => {
  it('whole-string glob agrees with the RegExp on random patterns and inputs', () => {
    fc.assert(
      fc.property(text(patUnit, 10), text(unit, 14), (p, s) => {
        if (!p.includes('*')) return;
        assert.equal(globMatcher(p)(s), reference.glob(p).test(s), `${p} ~ ${s}`);
      }),
      { numRuns: 20_000, seed: 11 },
    );
  });

  it('Resource and ArnLike agree with the RegExp on random ARN patterns and inputs', () => {
    const arnPat = fc.tuple(fc.constantFrom('arn:aws:s3:', 'arn:*:*:', 'acs:oss:', 'arn:a?s:s*:'), text(patUnit, 10)).map(([a, b]) => a + b);
    const arnText = fc.tuple(fc.constantFrom('arn:aws:s3:', 'arn:aws:iam:', 'acs:oss:', 'arn:ab:s:'), text(unit, 14)).map(([a, b]) => a + b);
    fc.assert(
      fc.property(arnPat, arnText, (p, s) => {
        if (p === '*') return;
        assert.equal(resourceMatcher(p)(s), reference.resource(p).test(s), `Resource ${p} ~ ${s}`);
        if (p.split(':').length >= (p.startsWith('arn:') ? 6 : 5)) assert.equal(arnConditionMatcher(p)(s), reference.arn(p).test(s), `ArnLike ${p} ~ ${s}`);
      }),
      { numRuns: 20_000, seed: 12 },
    );
  });

  it('the inputs that held the server for seconds are answered at once', { timeout: 10_000 }, () => {
    const slashes = '/'.repeat(2000);
    assert.equal(resourceMatcher('arn:aws:s3:::*/*/*/*.json')(`arn:aws:s3:::b${slashes}x`), false);
    assert.equal(resourceMatcher('arn:aws:s3:::*/*/*/*.json')(`arn:aws:s3:::b${slashes}x.json`), true);
    assert.equal(globMatcher('*/*/*/*.json')(`${slashes}x`), false);
    assert.equal(globMatcher('*a*a*a*a*b')('a'.repeat(2000)), false);
    assert.equal(arnConditionMatcher('arn:aws:s3:::*/*/*/*.json')(`arn:aws:s3:::b${slashes}x`), false);
  });
});
