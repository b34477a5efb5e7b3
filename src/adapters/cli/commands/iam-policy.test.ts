/**
 * `iam-policy get` shows stored text escaped (stop 29, left by review aw): a condition stored before its characters
 * were checked (review aw, 2) could hold an escape sequence that, printed raw, moved the cursor and erased the lines
 * above it (an `allUsers` member); now controls, bidi overrides and line separators print as escapes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { render } from './iam-policy.ts';

test('iam-policy get prints a stored title, expression or member with control and bidi characters escaped', () => {
  const text = render({
    resource: 'arn:aws:s3:::data',
    account: '000000000000',
    version: 3,
    etag: 'BwX',
    bindings: [{ role: 'roles/storage.objectViewer', members: ['allUsers', 'user:a\u202eb'], condition: { title: 'ok\u001b[1A\u001b[2K', expression: "request.time < timestamp('2030-01-01T00:00:00Z')\u2028|| true" } }],
  });
  // Before: ESC, U+202E and U+2028 printed as they were.
  assert.equal(/[\u0000-\u001f\u007f\u202e\u2028]/.test(text.replace(/\n/g, '')), false, JSON.stringify(text));
  assert.match(text, /^ {4}allUsers$/m);
  assert.match(text, /^ {4}user:a\\u202eb$/m);
  assert.match(text, /if "ok\\x1b\[1A\\x1b\[2K": request\.time < timestamp\('2030-01-01T00:00:00Z'\)\\u2028\|\| true/);
});
