/**
 * What a command loads at start. A command loads the module of its own command group only (`groupsFor`,
 * src/adapters/cli/program.ts), `--version` none; `--help`, a word that names no command and the like build the whole
 * command tree, so a module imported at the top of any command file is loaded by `gatehouse --help` too: the YAML
 * parser, the IAM engine and the audit log's use cases are loaded where a command uses them, and `node:http` is
 * required when a request is first made (imported as an ES module, it loads Node's bundled fetch). The CLI's test
 * suites spawn it hundreds of times; a user types it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const BIN = join(import.meta.dirname, '..', 'bin', 'gatehouse.js');
// Prints every module URL the command loads (node: builtins included) on stderr at exit, and whether Node loaded its
// TypeScript stripper (amaro), which it needs only for a file its compile cache does not hold.
const HOOK = `data:text/javascript,${encodeURIComponent(
  "import { registerHooks } from 'node:module'; const seen = []; registerHooks({ load(url, context, next) { seen.push(url); return next(url, context); } }); process.on('exit', () => process.stderr.write('\\n@@' + JSON.stringify({ seen, stripper: process.moduleLoadList.some((m) => m.includes('amaro')) }) + '\\n'));",
)}`;

function loaded(args: readonly string[], env: Readonly<Record<string, string>> = {}): Promise<{ code: number; modules: string[]; stripper: boolean }> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['--import', HOOK, BIN, ...args], { env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: '/nonexistent', ...env }, timeout: 30_000 }, (error, _stdout, stderr) => {
      const line = stderr.split('\n').find((l) => l.startsWith('@@'));
      if (line === undefined) return reject(new Error(`no module list: ${stderr}`));
      const { seen, stripper } = JSON.parse(line.slice(2)) as { seen: string[]; stripper: boolean };
      resolve({ code: error ? Number(error.code) : 0, modules: seen, stripper });
    });
  });
}

/**
 * The modules a command that sends nothing must not load. The policy JSON reader (`core/iam/json.ts`, one module that
 * imports nothing at run time) is not the engine: the file readers shared by every command (`yaml.ts`,
 * `policy-files.ts`) use it to place a `.json` file's syntax error at its line and column (reviews iv, 1 and 2).
 */
const heavy = (modules: readonly string[]): string[] =>
  modules.filter((u) => u.includes('/node_modules/yaml/') || u.includes('/node_modules/@smithy/') || (u.includes('/src/core/iam/') && !u.endsWith('/src/core/iam/json.ts')) || u.endsWith('/src/app/audit.ts') || u === 'node:http' || u === 'node:https' || u.includes('undici'));

test('--help and a command that sends nothing load neither YAML, the request signer, the IAM engine, the audit log nor node:http', async () => {
  for (const args of [['--help'], ['whoami', '--endpoint', 'http://127.0.0.1:9']]) {
    const r = await loaded(args);
    assert.ok(r.modules.some((u) => u.endsWith('/src/adapters/cli/program.ts')), `the hook saw the CLI load: ${r.modules.length} modules`);
    assert.deepEqual(heavy(r.modules), [], `gatehouse ${args.join(' ')}`);
  }
});

test('the commands that need them still load them: policy validate of a YAML file parses it and runs the engine', async () => {
  const r = await loaded(['policy', 'validate', join(import.meta.dirname, '..', 'examples', 'policies', 'ml-data-reader.yaml')]);
  assert.equal(r.code, 0);
  assert.ok(r.modules.some((u) => u.includes('/node_modules/yaml/')), 'yaml loaded');
  assert.ok(r.modules.some((u) => u.includes('/src/core/iam/')), 'the IAM engine loaded');
});

test('a command loads the module of its own command group only, --version none, --help all of them (stop 49)', async () => {
  const groups = (modules: readonly string[]): string[] => modules.filter((u) => u.includes('/src/adapters/cli/commands/')).map((u) => u.replace(/.*\/commands\//, ''));
  assert.deepEqual(groups((await loaded(['--version'])).modules), []);
  assert.deepEqual(groups((await loaded(['whoami', '--endpoint', 'http://127.0.0.1:9'])).modules), ['accounts.ts']);
  assert.deepEqual(groups((await loaded(['--endpoint', 'http://127.0.0.1:9', 'help', 'iam', 'users'])).modules), ['iam.ts']);
  const files = readdirSync(join(import.meta.dirname, '..', 'src', 'adapters', 'cli', 'commands')).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'));
  assert.deepEqual(groups((await loaded(['--help'])).modules).sort(), files.sort());
});

test('once the compile cache has its directory, a command loads no TypeScript file before the cache is on (stop 49)', async () => {
  // Before, bin/gatehouse.js imported src/adapters/fs (TypeScript) to make the directory at every command, before it
  // turned the cache on: Node loaded its TypeScript stripper each time, about half of `--version`'s CPU.
  const tmp = await mkdtemp(join(tmpdir(), 'gatehouse-startup-'));
  try {
    const first = await loaded(['--version'], { TMPDIR: tmp });
    assert.equal(first.code, 0);
    assert.ok(first.modules.some((u) => u.endsWith('/src/adapters/fs/index.ts')), 'the first command makes the directory');
    assert.ok(statSync(join(tmp, 'node-compile-cache')).isDirectory());
    const second = await loaded(['--version'], { TMPDIR: tmp });
    assert.equal(second.code, 0);
    assert.deepEqual(second.modules.filter((u) => u.includes('/src/adapters/fs/')), []);
    assert.equal(second.stripper, false, 'every TypeScript file came from the cache');
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
});
