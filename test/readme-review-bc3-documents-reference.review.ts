/**
 * Review `bc` (a new user's tour of the README), 3: nothing a user has said what a document for `gatehouse apply`
 * holds. `apply --help` and `plan --help` said "spec as in DESIGN.md ("YAML documents")", a file that is not in the
 * repository; the README showed examples only, and a `Cluster`'s `trustedControllers`, an `IamRole` or an
 * `AccessEntry` were described nowhere a user could read. Now docs/documents.md lists every kind `apply` takes with
 * each of its `spec` fields, the help points at it, and the README links it.
 *
 * The kinds and fields are read from apply's own table (KINDS), so a field added later without a word in the
 * document fails here; the help is run in process.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { access, readFile } from 'node:fs/promises';
import { KINDS } from '../src/app/apply.ts';
import { helpText } from './support/cli-help.ts';

const root = new URL('../', import.meta.url);

const help = (command: string): Promise<string> => helpText(command);

test('bc3: apply and plan --help name only files the repository has, and docs/documents.md', async () => {
  for (const command of ['apply', 'plan']) {
    const text = await help(command);
    assert.match(text, /docs\/documents\.md/, command);
    for (const [file] of text.matchAll(/[\w./-]+\.md\b/g)) {
      await assert.doesNotReject(access(new URL(file, root)), `${command} --help names ${file}, which is not in the repository`);
    }
  }
});

test('bc3: docs/documents.md describes every kind apply takes, with each of its spec fields', async () => {
  const doc = await readFile(new URL('docs/documents.md', root), 'utf8');
  // Each kind has its table row: `| \`Kind\` | …fields… |`.
  const rows = new Map([...doc.matchAll(/^\| `(\w+)` \| (.*) \|$/gm)].map((m) => [m[1] as string, m[2] as string]));
  for (const [kind, handler] of KINDS) {
    const row = rows.get(kind);
    assert.ok(row !== undefined, `docs/documents.md has no row for kind ${kind}`);
    for (const field of handler.specFields) assert.match(row, new RegExp(`\`${field}\``), `${kind}: spec.${field} is not described`);
  }
});

test('bc3: the README links docs/documents.md', async () => {
  const readme = await readFile(new URL('README.md', root), 'utf8');
  assert.match(readme, /\[docs\/documents\.md\]\(docs\/documents\.md\)/);
});
