/** Files a command reads whole and sends as written (a resource policy, an IAM policy). */
import type { CommandContext } from './context.ts';

/** The text of `file`, or undefined after saying on stderr why it cannot be read (the command exits `EXIT.noInput`). */
export async function readInputFile(ctx: CommandContext, file: string): Promise<string | undefined> {
  try {
    return await ctx.readFile(file);
  } catch (e) {
    ctx.err(`gatehouse: cannot read ${file}: ${e instanceof Error ? e.message : String(e)}\n`);
    return undefined;
  }
}
