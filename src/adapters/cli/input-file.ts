/** Files a command reads whole and sends as written (a resource policy, an IAM policy). */
import type { CommandContext } from './context.ts';

/**
 * `file://PATH` as PATH (`file:///abs` as `/abs`), the aws CLI's way of naming a file argument (`--policy-document
 * file://policy.json`). Only `sts assume-role --policy` took it; every other option that reads a file took the word as
 * a path and said `no such file; check the path` of a file that was there (review jc, 1). `runCli` reads every named
 * file and directory through this, so each command takes it alike; messages keep the word as given. As the aws CLI
 * (awscli/paramfile.py's `get_file`, `expanduser`), `file://~/x` is `home`'s x: the shell expands no `~` inside a word.
 */
export const filePathOf = (arg: string, home: string): string => {
  if (!arg.startsWith('file://')) return arg;
  const path = arg.slice('file://'.length);
  return path === '~' ? home : path.startsWith('~/') ? `${home.replace(/\/+$/, '')}/${path.slice(2)}` : path;
};

/** The text of `file`, or undefined after saying on stderr why it cannot be read (the command exits `EXIT.noInput`). */
export async function readInputFile(ctx: CommandContext, file: string, json = false): Promise<string | undefined> {
  try {
    return await ctx.readFile(file);
  } catch (e) {
    sayUnreadable(ctx, `cannot read \`${file}\`: ${describeReadError(e)}`, json);
    return undefined;
  }
}

/**
 * `gatehouse: MESSAGE` about a file that cannot be read; with `--json`, the JSON error every other failure of a
 * `--json` command is (`{"error": {"code": "UnreadableFile", "message"}}`, review F, F4), which it was not (review hm, 2
 * and 7).
 */
export function sayUnreadable(ctx: CommandContext, message: string, json: boolean): void {
  ctx.err(json ? `${JSON.stringify({ error: { code: 'UnreadableFile', message } }, null, 2)}\n` : `gatehouse: ${message}\n`);
}

/**
 * Why a file could not be read, for `cannot read \`FILE\`: …`: the common causes in words that say what to do
 * (Node's own say `ENOENT: no such file or directory, open 'FILE'`, the path a second time, without backticks);
 * others (not UTF-8, too large) as the reader said them.
 */
export function describeReadError(e: unknown): string {
  const code = typeof e === 'object' && e !== null && 'code' in e ? String(e.code) : '';
  switch (code) {
    case 'ENOENT':
      return 'no such file; check the path';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'is a directory; give a file';
    default:
      return e instanceof Error ? e.message : String(e);
  }
}
