#!/usr/bin/env node
// Entry point for `npx gatehouse`: the CLI is TypeScript, run by Node's type stripping.
// node:sqlite prints an ExperimentalWarning on load; it is the embedded store by design (docs/decisions.md).
process.removeAllListeners('warning');
process.on('warning', (w) => {
  if (w.name === 'ExperimentalWarning' && /SQLite|Type Stripping/i.test(w.message)) return;
  process.stderr.write(`${w.name}: ${w.message}\n`);
});
await import('../src/main/cli.ts');
