import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ERROR_CODES } from '../../core/errors.ts';
import { EXIT, EXIT_CODES, exitCodeOf } from './exit-codes.ts';

test('policy errors exit 3, request errors 4', () => {
  for (const code of ERROR_CODES) assert.equal(EXIT_CODES[code], code.startsWith('POLICY_') ? EXIT.invalidPolicy : EXIT.invalidRequest, code);
});

test('exit statuses are distinct and fit a process status', () => {
  const all = Object.values(EXIT);
  assert.equal(new Set(all).size, all.length);
  for (const s of all) assert.ok(Number.isInteger(s) && s >= 0 && s < 126);
});

test('a failure takes the status of its first error', () => {
  assert.equal(exitCodeOf([{ code: 'REQUEST_INVALID_ACTION' }, { code: 'POLICY_EMPTY' }]), EXIT.invalidRequest);
  assert.equal(exitCodeOf([]), EXIT.internal);
});
