import { test } from 'node:test';
import assert from 'node:assert/strict';
import { repeatedKey } from './json-keys.ts';

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
