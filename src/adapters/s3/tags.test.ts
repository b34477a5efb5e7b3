import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { tagRecord, tagSetProblem } from './tags.ts';

describe('tag sets', () => {
  const table: [string, [string, string][], RegExp | undefined][] = [
    ['none', [], undefined],
    ['ten', Array.from({ length: 10 }, (_, i): [string, string] => [`k${i}`, 'v']), undefined],
    ['eleven', Array.from({ length: 11 }, (_, i): [string, string] => [`k${i}`, 'v']), /greater than 10/],
    ['a key twice', [['a', '1'], ['a', '2']], /same key: `a`/],
    ['an empty key', [['', 'v']], /TagKey you have provided is invalid/],
    ['a key of 128 characters, one above U+FFFF', [[`${'k'.repeat(127)}𝐀`, '']], undefined],
    ['a key of 129 characters', [['k'.repeat(129), '']], /TagKey .* too long, max 128/],
    ['a value of 256 characters', [['k', '𝐀'.repeat(256)]], undefined],
    ['a value of 257 characters', [['k', 'v'.repeat(257)]], /TagValue .* too long, max 256/],
    ['letters of any script, digits, spaces and the eight signs', [['Ü 日本 9', 'a_.:/=+-@ b'], ['x:aws:y', 'aws:z']], undefined],
    ['a key beginning aws:, in any case', [['AWS:stack', 'v']], /cannot be prefixed with aws:/],
    ['a comma in a value', [['k', 'a,b']], /TagValue you have provided is invalid: the value of `k`/],
    ['an emoji in a key', [['k😀', '']], /TagKey you have provided is invalid/],
    ['a control character in a value', [['k', 'a\u0001']], /TagValue you have provided is invalid/],
    ['a line feed and a tab in a value', [['k', 'line 1\n\tline 2']], undefined],
  ];
  for (const [name, pairs, problem] of table) {
    it(name, () => {
      const got = tagSetProblem(pairs);
      if (problem === undefined) assert.equal(got, undefined);
      else assert.match(got ?? '', problem);
    });
  }
  it('`__proto__` is a key like any other', () => {
    const r = tagRecord([['__proto__', 'x']]);
    assert.equal(Object.getPrototypeOf(r), Object.prototype);
    assert.deepEqual(Object.entries(r), [['__proto__', 'x']]);
  });
});
