/**
 * Every command group, loaded: for tests and tools that build the whole command tree at once
 * (`createProgram(ctx, COMMAND_GROUPS)`). `runCli` does not import this module: it loads only the groups a command
 * line needs (`groupsFor` in program.ts).
 */
import type { CommandGroup } from './context.ts';
import { loadAllGroups } from './program.ts';

export const COMMAND_GROUPS: readonly CommandGroup[] = await loadAllGroups();
