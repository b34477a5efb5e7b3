/**
 * The entry point under another Node.js: `bin/gatehouse.js` run by a Node.js older than 24 (the machine's own,
 * where it is older; skipped, saying so, where none is on PATH) exits 2, a usage error (1 is a negative answer: review
 * mt, 2), and says how to run it, instead of failing
 * on TypeScript it cannot read. And `npx gatehouse` prints no npm warning about engines (package.json has none).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { GATEHOUSE_BIN } from './support/processes.ts';

/** A `node` on PATH outside node_modules whose major version is below 24, if any. */
function olderNode(): { path: string; version: string } | undefined {
  for (const dir of (process.env['PATH'] ?? '').split(delimiter)) {
    if (dir === '' || dir.includes('node_modules')) continue;
    const path = join(dir, 'node');
    if (!existsSync(path)) continue;
    try {
      const version = execFileSync(path, ['-p', 'process.versions.node'], { encoding: 'utf8', timeout: 10_000 }).trim();
      if (Number(version.split('.')[0]) < 24) return { path, version };
    } catch {
      // not runnable: look further
    }
  }
  return undefined;
}

const older = olderNode();

test('an older Node.js running bin/gatehouse.js is told how to run it', { skip: older === undefined ? 'no Node.js older than 24 on PATH' : false }, () => {
  const r = spawnSync(older?.path ?? '', [GATEHOUSE_BIN, '--version'], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.status, 2, r.stderr);
  assert.equal(r.stdout, '');
  assert.equal(r.stderr, `gatehouse: needs Node.js 24 or later, and this is v${older?.version}: run \`npx gatehouse …\` in the repository (after \`npm install\`), which uses the Node.js 24 installed in node_modules\n`);
});

test('package.json sets no engines field (npm would warn on every npx run under the machine’s own Node.js)', () => {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { engines?: unknown; devDependencies: Record<string, string> };
  assert.equal(pkg.engines, undefined);
  assert.match(pkg.devDependencies['node'] ?? '', /^\^24\./, 'Node.js 24 is pinned as the node devDependency');
});
