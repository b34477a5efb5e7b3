/**
 * Review `readme`, ez7: README "Run it" says every command that prints a result takes `--json`, "also spelled
 * `-o json`"; `gatehouse demo -o json`, the first command of the README, said `error: unknown option '-o'` (exit 2):
 * its `--json` was its own option, not the shared one that takes `-o`. Now it is the shared one (its description
 * kept), and this test holds the README's sentence for every command of the CLI that takes `--json`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { createProgram, runCli } from '../src/adapters/cli/program.ts';
import { COMMAND_GROUPS } from '../src/adapters/cli/command-groups.ts';
import type { DemoCommandOptions } from '../src/adapters/cli/context.ts';

const deps = { out: () => {}, err: () => {}, readFile: (p: string) => readFile(p, 'utf8'), now: () => Date.now(), version: 'test', env: {} };

test('ez7: `gatehouse demo -o json` is `demo --json`; another format is a usage error', async () => {
  const asked: DemoCommandOptions[] = [];
  const runDemo = async (o: DemoCommandOptions) => (asked.push(o), 0);
  assert.equal(await runCli(['demo', '-o', 'json'], { ...deps, runDemo }), 0);
  assert.equal(await runCli(['demo', '--output', 'json', '--keep'], { ...deps, runDemo }), 0);
  assert.equal(await runCli(['demo'], { ...deps, runDemo }), 0);
  assert.deepEqual(asked, [{ json: true }, { keep: true, json: true }, {}]);
  let err = '';
  assert.equal(await runCli(['demo', '-o', 'yaml'], { ...deps, err: (t: string) => void (err += t), runDemo }), 2);
  assert.match(err, /Allowed choices are json, text, table/);
});

test('ez7: every command that takes --json also takes -o json, as the README says', async () => {
  const readme = (await readFile(new URL('../README.md', import.meta.url), 'utf8')).replace(/\s+/g, ' ');
  assert.ok(readme.includes('every command that prints a result takes `--json`, also spelled `-o json`'));
  const program = createProgram({ ...deps, exit: () => {} }, COMMAND_GROUPS);
  const missing: string[] = [];
  const walk = (c: Command, path: string[]): void => {
    const name = [...path, c.name()];
    if (c.options.some((o) => o.long === '--json') && !c.options.some((o) => o.short === '-o' && o.long === '--output')) missing.push(name.join(' '));
    for (const sub of c.commands) walk(sub, name);
  };
  walk(program, []);
  assert.deepEqual(missing, []);
});
