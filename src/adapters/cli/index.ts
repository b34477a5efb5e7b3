export { runCli, createProgram } from './program.ts';
export type { CliDeps, CommandContext, CommandGroup } from './context.ts';
export { EXIT, EXIT_CODES, exitCodeOf, type ExitCode } from './exit-codes.ts';
export { formatError, formatJson, formatTable, type Column } from './output.ts';
