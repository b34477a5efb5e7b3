import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatError, formatTable } from './output.ts';

test('formatTable aligns columns and keeps cells on one line', () => {
  const rows = [{ name: 'alice', arn: 'arn:aws:iam::111122223333:user/alice' }, { name: 'bob\nsmith', arn: '-' }];
  const out = formatTable([{ header: 'Name', value: (r: (typeof rows)[number]) => r.name }, { header: 'Arn', value: (r) => r.arn }], rows);
  assert.equal(out, ['NAME       ARN', 'alice      arn:aws:iam::111122223333:user/alice', 'bob smith  -', ''].join('\n'));
});

test('formatTable with no rows prints the header', () => {
  assert.equal(formatTable([{ header: 'a', value: () => '' }], []), 'A\n');
});

test('formatError: position and path only when known', () => {
  assert.equal(formatError('p.json', { code: 'POLICY_EMPTY', message: 'm', path: 'Statement', line: 3, column: 4 }), 'p.json:3:4: Statement: m [POLICY_EMPTY]\n');
  assert.equal(formatError('p.json', { code: 'POLICY_TOO_LARGE', message: 'too\nlarge', path: '' }), 'p.json: too large [POLICY_TOO_LARGE]\n');
});
