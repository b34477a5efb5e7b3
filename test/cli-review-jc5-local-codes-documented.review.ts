/**
 * Review jc, 5 (cli): docs/errors.md lists "Codes the CLI itself reports (after `gatehouse: `)" with their exit
 * statuses, which "scripts may rely on", but two the CLI reports were in no document: `InvalidCredentials` (exit 2: a
 * key id, secret or token holding a carriage return, a line break or a space, as a `.env` with Windows line endings
 * gives) and `InvalidProxy` (exit 2: an HTTP_PROXY/HTTPS_PROXY that is not a proxy URL). A script author reading the
 * table could not tell them from the server's refusals, nor find what to do. Now both are documented there, and this
 * test keeps the list whole: every code the CLI's client reports itself with a literal status (`failure(EXIT.x,
 * 'Code', …)`) must be named in that paragraph, and one reported with a single status as `` `Code` (exit N) ``.
 * Each of the two is also run, to check the status the text gives.
 *
 * Reads the sources and docs; the CLI in this process (test/support/gatehouse-cli.ts) for the two statuses, nothing
 * reached over the network (the failures come before anything is sent).
 *
 * Before the fix 2 of 2 tests failed.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { EXIT } from '../src/adapters/cli/index.ts';
import { gatehouseInProcess } from './support/gatehouse-cli.ts';

const ROOT = new URL('..', import.meta.url).pathname;

/** Every `failure(EXIT.name, 'Code'` of the CLI's sources: code → the statuses it is reported with. */
async function localCodes(): Promise<Map<string, Set<number>>> {
  const dirs = ['src/adapters/cli', 'src/adapters/cli/commands'];
  const codes = new Map<string, Set<number>>();
  for (const dir of dirs) {
    for (const f of await readdir(join(ROOT, dir))) {
      if (!f.endsWith('.ts') || f.endsWith('.test.ts')) continue;
      const text = await readFile(join(ROOT, dir, f), 'utf8');
      for (const m of text.matchAll(/failure\(EXIT\.(\w+), '(\w+)'/g)) {
        const status = (EXIT as Record<string, number>)[m[1] as string];
        assert.ok(status !== undefined, `EXIT.${m[1]} in ${f}`);
        const set = codes.get(m[2] as string) ?? new Set<number>();
        set.add(status);
        codes.set(m[2] as string, set);
      }
    }
  }
  return codes;
}

describe('jc5: every code the CLI reports itself is documented with its status', () => {
  it('docs/errors.md names each, with `(exit N)` for a code of one status', async () => {
    const docs = await readFile(join(ROOT, 'docs/errors.md'), 'utf8');
    const start = docs.indexOf('Codes the CLI itself reports');
    assert.ok(start > 0);
    // Lines wrap anywhere: compared with every run of whitespace as one space.
    const section = docs.slice(start, docs.indexOf('\n## ', start)).replace(/\s+/g, ' ');
    const codes = await localCodes();
    assert.ok(codes.size >= 10, 'the sources were read');
    const missing: string[] = [];
    for (const [code, statuses] of codes) {
      if (!section.includes(`\`${code}\``)) missing.push(`${code} (not named)`);
      else if (statuses.size === 1 && !section.includes(`\`${code}\` (exit ${[...statuses][0]})`)) missing.push(`${code} (exit ${[...statuses][0]} not said)`);
    }
    assert.deepEqual(missing, []);
  });

  it('InvalidCredentials and InvalidProxy exit 2, as documented, before anything is sent', async () => {
    const base = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: '/nonexistent', GATEHOUSE_ENDPOINT: 'http://127.0.0.1:9' };
    const keys = await gatehouseInProcess(['whoami'], { ...base, AWS_ACCESS_KEY_ID: 'AKIAAAAAAAAAAAAAAAAA\r', AWS_SECRET_ACCESS_KEY: 'secret' });
    assert.equal(keys.code, 2);
    assert.match(keys.stderr, /^gatehouse: InvalidCredentials: the access key id holds a carriage return/);
    const proxy = await gatehouseInProcess(['whoami'], { ...base, AWS_ACCESS_KEY_ID: 'AKIAAAAAAAAAAAAAAAAA', AWS_SECRET_ACCESS_KEY: 'secret', HTTP_PROXY: 'http://a b' });
    assert.equal(proxy.code, 2);
    assert.match(proxy.stderr, /^gatehouse: InvalidProxy: HTTP_PROXY/);
    const docs = (await readFile(join(ROOT, 'docs/errors.md'), 'utf8')).replace(/\s+/g, ' ');
    assert.match(docs, /`InvalidCredentials` \(exit 2\)/);
    assert.match(docs, /`InvalidProxy` \(exit 2\)/);
  });
});
