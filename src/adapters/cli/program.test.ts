import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli, type CliDeps, type CommandGroup } from './index.ts';
import { createProgram } from './program.ts';

function fakeDeps(files: Record<string, string> = {}): CliDeps & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return {
    stdout,
    stderr,
    out: (s) => void stdout.push(s),
    err: (s) => void stderr.push(s),
    readFile: async (p) => {
      const f = files[p];
      if (f === undefined) throw Object.assign(new Error(`ENOENT: ${p}`), { code: 'ENOENT' });
      return f;
    },
    now: () => Date.UTC(2025, 0, 1),
    version: '9.9.9',
  };
}

test('runs in-process with injected I/O', async () => {
  const deps = fakeDeps({ 'p.json': '{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}' });
  assert.equal(await runCli(['policy', 'validate', 'p.json'], deps), 0);
  assert.deepEqual(deps.stdout, ['valid\n']);
  assert.equal(await runCli(['policy', 'validate', 'missing.json'], deps), 5);
});

test('a command that throws is an internal error, exit 70', async () => {
  const deps = fakeDeps();
  const boom: CommandGroup = (program) => {
    program.command('boom').action(() => {
      throw new Error('kaboom');
    });
  };
  assert.equal(await runCli(['boom'], deps, [boom]), 70);
  assert.match(deps.stderr.join(''), /^gatehouse: internal error: Error: kaboom/);
});

test('a new command group only needs registering', async () => {
  const deps = fakeDeps();
  const hello: CommandGroup = (program, ctx) => {
    program
      .command('hello')
      .argument('<name>')
      .action((name: string) => {
        ctx.out(`hello ${name}\n`);
        ctx.exit(0);
      });
  };
  let status = -1;
  const program = createProgram({ ...deps, exit: (c) => void (status = c) }, [hello]);
  await program.parseAsync(['hello', 'world'], { from: 'user' });
  assert.equal(status, 0);
  assert.deepEqual(deps.stdout, ['hello world\n']);
  // inherited settings: errors do not exit the process, and go to the injected stream
  await assert.rejects(program.parseAsync(['hello', 'a', 'b'], { from: 'user' }), { code: 'commander.excessArguments' });
  assert.match(deps.stderr.join(''), /too many arguments/);
});

test('usage errors and help map to 2 and 0', async () => {
  const deps = fakeDeps();
  assert.equal(await runCli(['nope'], deps), 2);
  assert.equal(await runCli([], deps), 2);
  assert.equal(await runCli(['--help'], deps), 0);
  assert.equal(await runCli(['--version'], deps), 0);
  assert.equal(deps.stdout.at(-1), '9.9.9\n');
});

test('gatehouse --help lists the global options a command may be preceded by (stop 29, noted by review bc)', async () => {
  const deps = fakeDeps();
  assert.equal(await runCli(['--help'], deps), 0);
  const help = deps.stdout.join('');
  // Before: `gatehouse --endpoint URL whoami` worked, and the help named neither option.
  assert.match(help, /Global options[^\n]*\n {2}--endpoint <url> {2}the Gatehouse server[^\n]*\n(?: {20}[^\n]*\n)* {2}--data-dir <dir> {2}where the server keeps its data/);
});
