/**
 * Review `rq` (the README tour and the docs against what happens), 1: half-sentences left behind by edits.
 *
 * README.md §7 had a paragraph that began mid-sentence, `its records name it, or acs:ram::A:assumed-role/R/S, as
 * Alibaba's GetCallerIdentity gives it.`, a copy of the end of the paragraph before it; docs/documents.md a paragraph
 * `by a built-in policy's name (… RAM's system policies …) or by ARN. tags is a map …`, a second, longer copy of the
 * sentence above it, so the reader of the first never learnt that an `acs` account's documents name RAM's system
 * policies; docs/decisions.md two such pieces of review nn, 2's and oh, 2's text after another decision ("completed
 * upload. The answer is the first's…", "object's record and the completion's leaves the upload…"), while the section
 * they extend (review ni, 1) still said "the memory is the process's: after a restart a retry is NoSuchUpload, as
 * before", which review nn, 2 made untrue (the completions are kept on disk and read back at start). Each text is now
 * whole, where it belongs, and the ni, 1 section says what the gateway does.
 * Contract: README.md and docs/*.md are the user's documentation (review-common: docs claims vs code).
 * Before the fix 2 of 2 tests failed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..');

/** The paragraphs of a Markdown page outside code fences, tables and lists (an indented line continues an item), with the line each starts on. */
function paragraphs(text: string): { line: number; text: string }[] {
  const out: { line: number; text: string }[] = [];
  let fenced = false;
  let current: { line: number; lines: string[] } | undefined;
  const flush = (): void => {
    if (current !== undefined) out.push({ line: current.line, text: current.lines.join(' ') });
    current = undefined;
  };
  text.split('\n').forEach((line, i) => {
    if (/^\s*```/.test(line)) {
      flush();
      fenced = !fenced;
      return;
    }
    if (fenced || line.trim() === '' || /^(?:\s|[|#>]|[-*] |\d+\. )/.test(line)) {
      flush();
      return;
    }
    if (current === undefined) current = { line: i + 1, lines: [] };
    current.lines.push(line.trim());
  });
  flush();
  return out;
}

test('rq1: no paragraph of README.md or docs/*.md starts mid-sentence with words the page already said', async () => {
  const pages = ['README.md', ...(await readdir(join(ROOT, 'docs'))).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
  const orphans: string[] = [];
  for (const page of pages) {
    const text = await readFile(join(ROOT, page), 'utf8');
    let before = '';
    for (const p of paragraphs(text)) {
      // A paragraph that opens in lower case and repeats what the page said before (its first 40 characters, or its
      // first sentence) is the rest of a sentence cut off from it, or a second copy of one.
      const flat = p.text.replace(/\s+/g, ' ');
      const sentence = /^(.{15,}?\.)(?: |$)/.exec(flat)?.[1];
      if (/^[a-z]/.test(flat) && (before.includes(flat.slice(0, 40)) || (sentence !== undefined && before.includes(sentence)))) {
        orphans.push(`${page}:${p.line}: ${flat.slice(0, 60)}…`);
      }
      before += ` ${flat}`;
    }
  }
  assert.deepEqual(orphans, [], 'paragraphs left behind by an edit: the rest of a sentence, or a copy of one, cut off from it');
});

test('rq1: decisions.md says a Complete retried after a restart is answered, as review nn, 2 made it', async () => {
  const text = await readFile(join(ROOT, 'docs/decisions.md'), 'utf8');
  const at = text.indexOf('## A CompleteMultipartUpload retried after it succeeded is answered again (review ni, 1)');
  assert.ok(at >= 0, 'the section of review ni, 1');
  const section = text.slice(at, text.indexOf('\n## ', at + 4));
  assert.doesNotMatch(section.replace(/\s+/g, ' '), /after a restart a retry is NoSuchUpload, as before/);
  assert.match(section.replace(/\s+/g, ' '), /kept on disk too \(review nn, 2\)/);
});
