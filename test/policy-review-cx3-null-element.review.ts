/**
 * Policy review CX3: a statement element given as `null` (YAML's `Action:` with nothing after it, a template that
 * left a value out) was refused as "expected a string or a list of strings, got `undefined`": the message named a
 * value the document does not hold. It now says `null`, at the element's path.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parsePolicy } from '../src/core/iam/index.ts';

describe('policy review CX3: an element that is null is named as null', () => {
  for (const key of ['Action', 'NotAction', 'Resource', 'NotResource']) {
    it(`\`${key}: null\``, () => {
      const other = key.endsWith('Action') ? { Resource: '*' } : { Action: 's3:GetObject' };
      const r = parsePolicy({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', ...other, [key]: null }] }, { kind: 'identity' });
      assert.ok(!r.ok);
      const e = r.errors.find((x) => x.path === `Statement[0].${key}`);
      assert.ok(e, JSON.stringify(r.errors));
      assert.match(e.message, /got null$/);
      assert.doesNotMatch(e.message, /undefined/);
    });
  }
});
