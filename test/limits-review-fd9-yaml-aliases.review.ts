/**
 * Review fd, 9. YAML aliases were bounded by the yaml package's `maxAliasCount` at 100, and by nothing else:
 *
 * - a ClusterRole of 101 rules sharing `verbs: &rw [get, list, watch]`, which kubectl reads, was refused as "excessive
 *   alias count indicates a resource exhaustion attack", with no line;
 * - the value keeps aliased nodes shared, but the JSON sent writes each out: a file of 4 MiB within the bound (a 3 MB
 *   anchor aliased 99 times) was sent as 300 MB, and any larger bound let a 245 KB file (a 200 KB string aliased 9,000
 *   times) crash the command in `JSON.stringify` (RangeError: Invalid string length, exit 70).
 *
 * Now an anchor may be expanded 10,000 times over (`MAX_ALIAS_EXPANSION`; a billion laughs is still refused, at the
 * anchor aliased most, with its line), and a document that is more than 32 MiB of JSON once its aliases are written
 * out (what the server reads of a whole apply), or documents that are together, is refused before anything is sent. The CLI's program in this process,
 * offline (test/support/gatehouse-cli.ts).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gatehouseInProcess } from './support/gatehouse-cli.ts';

describe('YAML aliases', () => {
  let dir: string;
  // Nothing listens on port 9: a command that got as far as sending fails to connect (exit 10).
  const gatehouse = (args: readonly string[]) => gatehouseInProcess(args, { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: dir, AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE', AWS_SECRET_ACCESS_KEY: 'x'.repeat(40), GATEHOUSE_ENDPOINT: 'http://127.0.0.1:9' });
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gh-fd9-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('a ClusterRole of 101 rules sharing their verbs is read (and sent)', async () => {
    const rules = ['  - apiGroups: [""]', '    resources: [r0]', '    verbs: &rw [get, list, watch]'];
    for (let i = 1; i <= 100; i++) rules.push('  - apiGroups: [""]', `    resources: [r${i}]`, '    verbs: *rw');
    const file = join(dir, 'role.yaml');
    await writeFile(file, ['apiVersion: rbac.authorization.k8s.io/v1', 'kind: ClusterRole', 'metadata: {name: reader}', 'rules:', ...rules, ''].join('\n'));
    const r = await gatehouse(['plan', '--cluster', 'gpu', '-f', file]);
    // Read, and sent: the server is not there.
    assert.equal(r.code, 10, r.stderr);
    assert.doesNotMatch(r.stderr, /alias|exhaustion/);
  });

  it('a billion laughs is refused at the anchor aliased most', async () => {
    const lines = ['    a: &a [x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 9; i++) {
      const p = String.fromCharCode(96 + i);
      lines.push(`    ${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9).fill(`*${p}`).join(', ')}]`);
    }
    const file = join(dir, 'laughs.yaml');
    await writeFile(file, ['apiVersion: gatehouse.dev/v1', 'kind: User', 'metadata: {name: lol}', 'spec:', '  tags:', ...lines, ''].join('\n'));
    const r = await gatehouse(['plan', '-f', file]);
    assert.equal(r.code, 8, r.stderr);
    assert.match(r.stderr, new RegExp(`${file}:6:\\d+: document 1: yaml: aliases expand its anchors more than 10000 times over, refused as a billion laughs would be`));
  });

  it('a document that aliases a large value into more than 32 MiB is refused before sending, not a crash', async () => {
    const file = join(dir, 'wide.yaml');
    await writeFile(file, ['apiVersion: gatehouse.dev/v1', 'kind: User', 'metadata: {name: wide}', 'spec:', '  tags:', `    a: &big "${'x'.repeat(200_000)}"`, `    l: [${Array(9000).fill('*big').join(', ')}]`, ''].join('\n'));
    const r = await gatehouse(['plan', '-f', file]);
    assert.equal(r.code, 8, r.stderr);
    assert.match(r.stderr, /document 1: yaml: the document is more than 32 MiB of JSON once its aliases are written out, more than the server reads/);
    assert.doesNotMatch(r.stderr, /internal error|RangeError/);
  });

  it('documents that are more than 32 MiB together are refused before sending', async () => {
    const file = join(dir, 'wides.yaml');
    const doc = (j: number) => ['---', 'apiVersion: gatehouse.dev/v1', 'kind: User', `metadata: {name: w${j}}`, 'spec:', '  tags:', `    a: &big "${'x'.repeat(200_000)}"`, `    l: [${Array(70).fill('*big').join(', ')}]`];
    await writeFile(file, [...doc(0), ...doc(1), ...doc(2), ''].join('\n'));
    const r = await gatehouse(['plan', '-f', file]);
    assert.equal(r.code, 8, r.stderr);
    assert.match(r.stderr, /^gatehouse: the documents are more than 32 MiB of JSON together, once their aliases are written out/);
  });
});
