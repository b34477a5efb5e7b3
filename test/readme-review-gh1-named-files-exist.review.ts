/**
 * Review `gh` (a new user follows the README, and the pages it links to), 1: a file named as proof must be there.
 *
 * deploy/kubernetes/README.md, which README.md's "Deploy on Kubernetes" sends the reader to, says its manifests are
 * "checked against the command's options and this directory's Services (`test/kube-deploy.test.ts`)": the reader
 * who looks for that check finds no such file (the suite is test/kube-deploy.part.ts). df4 checked the `.md` files
 * these pages name; here every path into the repository's own directories (src/, test/, examples/, deploy/, docs/,
 * bench/, web/, bin/, conformance/) that README.md, docs/*.md or deploy/kubernetes/README.md names must exist, from
 * the repository's root or from the page's own directory.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { access, readdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

const ROOT = join(import.meta.dirname, '..');
// A path into one of the repository's directories, not the tail of another path (`latest/api/token`) nor a URL's; a
// pattern (`test/reviews-<group>.test.ts`, `test/*.part.ts`) names no one file and is left out.
const NAMED = /(?<![\w./:-])((?:src|test|examples|deploy|docs|bench|web|bin|conformance)\/[\w./<>*{}-]*[\w>*}])/g;

const exists = (path: string): Promise<boolean> => access(path).then(
  () => true,
  () => false,
);

test('gh1: every repository path README.md, docs/*.md and deploy/kubernetes/README.md name exists', async () => {
  const pages = ['README.md', 'deploy/kubernetes/README.md', ...(await readdir(join(ROOT, 'docs'))).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
  const missing: string[] = [];
  for (const page of pages) {
    const text = await readFile(join(ROOT, page), 'utf8');
    for (const [, path] of text.matchAll(NAMED)) {
      if (path === undefined || /[<>*{}]/.test(path)) continue;
      if (await exists(join(ROOT, path))) continue;
      if (await exists(join(ROOT, dirname(page), path))) continue;
      missing.push(`${page} names ${path}`);
    }
  }
  assert.deepEqual(missing, [], 'files the documentation names that the repository does not hold');
});

test('gh1: deploy/kubernetes/README.md names the suite that checks its manifests', async () => {
  const text = await readFile(join(ROOT, 'deploy/kubernetes/README.md'), 'utf8');
  assert.match(text, /`test\/kube-deploy\.part\.ts`/);
  assert.ok(await exists(join(ROOT, 'test/kube-deploy.part.ts')));
});
