/**
 * Review `readme`, ma2: docs/errors.md, which README points to for "every error code", held two copies of five rows,
 * each pair cut apart by a blank line: `VALIDATION_ERROR` in "The directory", and `AccessDenied`,
 * `SignatureDoesNotMatch`, `RequestTimeTooSkewed` and `AuthorizationHeaderMalformed` in "S3 gateway" (each copy a
 * different reviewer's edit of the same row). In Markdown (GitHub's, CommonMark's GFM tables) a blank line ends a
 * table, and rows after it with no header row are no table: from the second `VALIDATION_ERROR` on (`INVALID_INPUT`,
 * `ACCESS_DENIED`, `REPORT_*`) and from the second `AccessDenied` on (nearly every S3 code) the page showed lines of
 * raw `| … |` text; and a reader who found one copy missed what only the other said (`ProviderId`'s bound and an
 * admin API number a double cannot hold in the first `VALIDATION_ERROR`, the name rule of `GetUser alice smith` in the
 * second; the unreadable `X-Amz-Date` in the first `AccessDenied`, the credential date in the second
 * `AuthorizationHeaderMalformed`). Now each code has one row holding both, and no table is cut. The tests that read
 * the tables (cli-policy's, edge-review-je4's) took a code found in either copy. This test reads the Markdown pages
 * (README.md, docs/*.md, deploy/kubernetes/README.md): no table row follows a blank line without a header of its
 * own, and no code has two rows in one table of docs/errors.md.
 * Before the fix 2 of 2 tests failed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..');
const pages = async (): Promise<string[]> => ['README.md', 'deploy/kubernetes/README.md', ...(await readdir(join(ROOT, 'docs'))).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
const isRow = (l: string | undefined) => l !== undefined && l.startsWith('|');
const isSeparator = (l: string | undefined) => l !== undefined && /^\|(\s*:?-{3,}:?\s*\|)+\s*$/.test(l);

test('ma2: no Markdown table of the pages is cut by a blank line (rows after it would show as raw text)', async () => {
  const cut: string[] = [];
  for (const page of await pages()) {
    const lines = (await readFile(join(ROOT, page), 'utf8')).split('\n');
    let inFence = false;
    for (let i = 0; i < lines.length; i++) {
      if (/^\s*```/.test(lines[i] as string)) inFence = !inFence;
      if (inFence || !isRow(lines[i]) || lines[i - 1] !== '') continue;
      // A table starts here: its header row must be followed by the separator row.
      if (!isSeparator(lines[i + 1])) cut.push(`${page}:${i + 1}: ${(lines[i] as string).slice(0, 60)}… follows a blank line with no header of its own${isRow(lines[i - 2]) ? ' (the table above was cut)' : ''}`);
    }
  }
  assert.deepEqual(cut, []);
});

test('ma2: each code has one row in its table of docs/errors.md', async () => {
  const lines = (await readFile(join(ROOT, 'docs/errors.md'), 'utf8')).split('\n');
  const twice: string[] = [];
  let section = '';
  const seen = new Map<string, number>();
  lines.forEach((l, i) => {
    if (/^#{2,3} /.test(l)) section = l;
    if (!isRow(l) || isSeparator(l)) return;
    const code = l.split('|')[1]?.trim() ?? '';
    if (!code.startsWith('`')) return; // a header row
    const key = `${section} ${code}`;
    const first = seen.get(key);
    if (first !== undefined) twice.push(`${section}: ${code} at lines ${first} and ${i + 1}`);
    else seen.set(key, i + 1);
  });
  assert.deepEqual(twice, []);
});
