/**
 * `runCli` loads only the command groups a command line needs (`groupsFor`, program.ts): what it prints and its exit
 * status must be those of the whole command tree, whatever is typed, and the table of top-level commands must say
 * what each group registers.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { COMMAND_GROUPS } from './command-groups.ts';
import type { CliDeps } from './context.ts';
import { createProgram, GROUP_MODULES, groupsFor, runCli } from './program.ts';

function deps(): CliDeps & { readonly printed: () => { out: string; err: string } } {
  let out = '';
  let err = '';
  return {
    out: (t) => void (out += t),
    err: (t) => void (err += t),
    readFile: (p) => readFile(p, 'utf8'),
    now: () => Date.UTC(2025, 0, 1),
    version: '9.9.9',
    env: {},
    printed: () => ({ out, err }),
  };
}

const topLevel = (program: Command): string[] => program.commands.flatMap((c) => [c.name(), ...c.aliases()]);

test('each module in GROUP_MODULES registers exactly the top-level commands it lists, and all of them the whole tree', async () => {
  const seen: string[] = [];
  for (const m of GROUP_MODULES) {
    const names = topLevel(createProgram({ ...deps(), exit: () => {} }, await m.load()));
    assert.deepEqual(names, m.commands);
    seen.push(...names);
  }
  assert.equal(new Set(seen).size, seen.length, 'no command listed twice');
  assert.deepEqual(topLevel(createProgram({ ...deps(), exit: () => {} }, COMMAND_GROUPS)), seen, 'COMMAND_GROUPS in the same order');
});

test('a command line loads its own group, none for --version, all when it names no command', async () => {
  const all = await groupsFor([]);
  assert.equal(all.length, COMMAND_GROUPS.length);
  assert.deepEqual(await groupsFor(['--version']), []);
  assert.deepEqual(await groupsFor(['--endpoint', 'http://x', '-V']), []);
  const whoami = GROUP_MODULES.find((m) => m.commands.includes('whoami'));
  assert.ok(whoami);
  assert.deepEqual(await groupsFor(['whoami']), await whoami.load());
  assert.deepEqual(await groupsFor(['--endpoint=http://x', '--data-dir', 'd', 'help', 'whoami']), await whoami.load());
  for (const argv of [['--help'], ['help'], ['nosuch'], ['--endpoint'], ['--endpoint', 'http://x'], ['-x', 'whoami'], ['help', 'help']]) {
    assert.equal((await groupsFor(argv)).length, COMMAND_GROUPS.length, argv.join(' '));
  }
});

test('what is printed and the exit status are those of the whole command tree', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'gatehouse-groups-'));
  try {
    const policy = join(dir, 'p.json');
    await writeFile(policy, '{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}}');
    const nowhere = ['--endpoint', 'http://127.0.0.1:9', '--data-dir', join(dir, 'none')];
    const lines: string[][] = [
      [], ['--help'], ['-h'], ['help'], ['--version'], ['-V'], ['--endpoint', 'http://x', '--version'], ['policy', 'validate', '--version'],
      ['nosuch'], ['polcy', 'validate', policy], ['help', 'nosuch'], ['help', 'help'], ['help', 'iam', 'users'], ['help', 'iam', 'nosuch'],
      ['iam'], ['iam', 'usres'], ['iam', 'users', 'list', '--nosuch'], ['policy', 'validate', policy], ['policy', 'validate', join(dir, 'missing.json')],
      ['whoami', ...nowhere], [...nowhere, 'whoami'], [...nowhere, 'iam', 'users', 'list'], ['whoami', '--nosuch'], ['whoami', '--endpont', 'x'],
      ['jobs', 'run', '--worksapce', 'x'], ['--endpoint'], ['--endpoint', 'http://x'], ['--data-dir', dir, 'server', '--nosuch'], ['demo', '-o', 'yaml'],
      ['credentials', '--job', ...nowhere], ['kube', 'token'], ['plan'], ['-x', 'whoami'],
      ...GROUP_MODULES.flatMap((m) => m.commands.flatMap((c) => [[c, '--help'], ['help', c], [c, 'nosuch']])),
    ];
    for (const argv of lines) {
      const lazy = deps();
      const eager = deps();
      const lazyStatus = await runCli(argv, lazy);
      const eagerStatus = await runCli(argv, eager, COMMAND_GROUPS);
      assert.deepEqual({ status: lazyStatus, ...lazy.printed() }, { status: eagerStatus, ...eager.printed() }, `gatehouse ${argv.join(' ')}`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
