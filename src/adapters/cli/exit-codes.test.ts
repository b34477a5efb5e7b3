import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ERROR_CODES } from '../../core/errors.ts';
import { EXIT, EXIT_CODES, exitCodeOf } from './exit-codes.ts';

test('policy errors exit 3, request errors 4', () => {
  for (const code of ERROR_CODES) {
    if (code.startsWith('POLICY_')) assert.equal(EXIT_CODES[code], EXIT.invalidPolicy, code);
    else if (code.startsWith('REQUEST_INVALID_')) assert.equal(EXIT_CODES[code], EXIT.invalidRequest, code);
    else assert.ok(EXIT_CODES[code] !== EXIT.denied && EXIT_CODES[code] !== EXIT.usage, `${code}: 1 and 2 are reserved for deny and usage`);
  }
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
