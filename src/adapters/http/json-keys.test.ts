import { test } from 'node:test';
import assert from 'node:assert/strict';
import { repeatedKey, shapePast } from './json-keys.ts';

test('repeatedKey: the path of the first repeated key, or undefined', () => {
  const cases: [string, string | undefined][] = [
    ['{}', undefined],
    ['{"a":1,"b":{"a":2},"c":[{"a":3},{"a":4}]}', undefined],
    ['{"a":1,"a":2}', 'a'],
    ['{"a":"x\\",\\"a\\":1","b":2}', undefined],
    ['{"a\\\\":1,"a":2}', undefined],
    ['{"\\u0061":1,"a":2}', 'a'],
    ['{"r":[1,{"x":[{}]},{"c":{"k":1,"K":2,"k":3}}]}', 'r[2].c.k'],
    ['{"a":{"b":1},"b":{"c":[1,2],"c":0}}', 'b.c'],
    [' { "a" : [ "a" , "a" ] , "b" : { } } ', undefined],
  ];
  for (const [text, path] of cases) {
    JSON.parse(text);
    assert.equal(repeatedKey(text), path, text);
  }
});

test('shapePast: the path of the first object or array nested past the bound, or undefined', () => {
  const cases: [string, number, string | undefined][] = [
    ['{"a":[1,{"b":{}}]}', 4, undefined],
    ['{"a":[1,{"b":{}}]}', 3, 'a[1].b'],
    ['{"a":[1,{"b":{}}]}', 2, 'a[1]'],
    ['[[],[[]]]', 2, '[1][0]'],
    ['{}', 0, ''],
    ['{"x\\"":{"y":[[]]}}', 3, 'x".y[0]'],
    ['{"a":"[[[[{{","b":{}}', 1, 'b'],
    ['{"\\u0061":{"c":[0,{}]}}', 3, 'a.c[1]'],
  ];
  for (const [text, limit, path] of cases) {
    JSON.parse(text);
    assert.equal(shapePast(text, limit, 100)?.path, path, text);
    if (path !== undefined) assert.equal(shapePast(text, limit, 100)?.bound, 'depth');
  }
});

test('shapePast: the path of the first object or array holding more than the bound', () => {
  const cases: [string, number, string | undefined][] = [
    ['[1,2,3]', 3, undefined],
    ['[1,2,3]', 2, ''],
    ['{"a":[],"b":{"c":[1,[2,3,4]]}}', 3, undefined],
    ['{"a":[],"b":{"c":[1,[2,3,4]]}}', 2, 'b.c[1]'],
    ['{"a":"x,y,z","b":[{"k":1,"l":2,"m":3}]}', 2, 'b[0]'],
    ['{"a":1,"b":2,"c":3}', 2, ''],
    ['[[],[],{}]', 3, undefined],
  ];
  for (const [text, limit, path] of cases) {
    JSON.parse(text);
    const r = shapePast(text, 100, limit);
    assert.equal(r?.path, path, text);
    if (path !== undefined) assert.equal(r?.bound, 'items');
  }
});
