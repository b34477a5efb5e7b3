/**
 * Review `readme`, iv9: a command a page names must be one `gatehouse` has, with the options it gives it. gh1 holds
 * the files the pages name; nothing held the commands. docs/errors.md, on `KEY_RING_UNREADABLE` (the refusal to rotate
 * the session key ring on an instance with another master key), told the operator to "rotate again" with
 * `gatehouse sts rotate-keys`, which is `error: unknown command 'rotate-keys'`: the command is `gatehouse keys rotate`
 * (README §3). Fixed in errors.md; this test reads every `gatehouse …` in inline code and every `$ npx gatehouse …`
 * line of README.md, docs/errors.md, docs/documents.md, docs/semantics.md and deploy/kubernetes/README.md, and checks
 * that its words name a command (a group's next word is one of its subcommands) and that each `--option` before `--`
 * is one that command takes (or a global one).
 * Before the fix 1 of 1 tests failed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { createProgram } from '../src/adapters/cli/program.ts';
import { COMMAND_GROUPS } from '../src/adapters/cli/command-groups.ts';

const ROOT = join(import.meta.dirname, '..');
const PAGES = ['README.md', 'docs/errors.md', 'docs/documents.md', 'docs/semantics.md', 'deploy/kubernetes/README.md'];
const GLOBAL = new Set(['--endpoint', '--data-dir', '--help', '-h']);

/** The command lines a page shows: inline code starting with `gatehouse `, and `$ npx gatehouse …` lines with their continuations. */
function commandLines(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/`(?:npx )?gatehouse ([^`]+)`/g)) out.push(m[1] as string);
  for (const m of text.matchAll(/^\$ (?:npx )?gatehouse ((?:[^\n]*\\\n)*[^\n]*)/gm)) out.push((m[1] as string).replace(/\\\n/g, ' '));
  return out;
}

test('iv9: every gatehouse command the pages show exists, with the options they give it', async () => {
  const deps = { out: () => {}, err: () => {}, readFile: (p: string) => readFile(p, 'utf8'), now: () => Date.now(), version: 'test', env: {}, exit: () => {} };
  const program = createProgram(deps, COMMAND_GROUPS);
  const wrong: string[] = [];
  for (const page of PAGES) {
    for (const line of commandLines(await readFile(join(ROOT, page), 'utf8'))) {
      const words = line.replace(/\s+#.*$/, '').trim().split(/\s+/);
      let cmd: Command = program;
      let i = 0;
      // Global options may come first (README "Run it").
      while (GLOBAL.has(words[i] ?? '')) i += 2;
      for (; i < words.length; i++) {
        const sub = cmd.commands.find((c) => c.name() === words[i] || c.aliases().includes(words[i] as string));
        if (sub === undefined) break;
        cmd = sub;
      }
      if (cmd === program) continue; // prose such as `gatehouse: job … ended` (the CLI's own output)
      // `gatehouse iam …`: a placeholder, not a word to check.
      if (cmd.commands.length > 0 && i < words.length && !(words[i] as string).startsWith('-') && !/[…<]/.test(words[i] as string)) wrong.push(`${page}: \`gatehouse ${line}\`: \`${words[i]}\` is no subcommand of gatehouse ${cmd.name()}`);
      for (const w of words.slice(i)) {
        if (w === '--') break;
        const flag = w.split('=')[0] as string;
        if (!/^--?[a-z]/.test(flag) || GLOBAL.has(flag)) continue;
        if (!cmd.options.some((o) => o.long === flag || o.short === flag)) wrong.push(`${page}: \`gatehouse ${line}\`: ${flag} is no option of gatehouse ${cmd.name()}`);
      }
    }
  }
  assert.deepEqual(wrong, []);
});
