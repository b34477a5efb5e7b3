#!/usr/bin/env node
// Entry point for `npx gatehouse`: the CLI is TypeScript, run by Node's type stripping.
// `npx` runs the Node.js 24 that `npm install` puts in node_modules (the `node` devDependency); anyone who runs
// this file with another Node.js is told so, rather than met with a syntax error from a .ts file.
import { statSync } from 'node:fs';
import module from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  process.stderr.write(`gatehouse: needs Node.js 24 or later, and this is ${process.version}: run \`npx gatehouse …\` in the repository (after \`npm install\`), which uses the Node.js 24 installed in node_modules\n`);
  // 2, a usage error (docs/errors.md): how it was run is wrong. 1 is a negative answer (a deny, a broken audit log,
  // drift), which a script run by an older `node` (a credential_process, a cron job) read as such (review mt, 2).
  process.exit(2);
}
// Node keeps each module as compiled (type-stripped TypeScript included) in a cache on disk, checked against the
// source: a command starts in about 0.25 s instead of 0.6 s once the cache is warm. In the system's temporary
// directory unless NODE_COMPILE_CACHE names one; NODE_DISABLE_COMPILE_CACHE=1 turns it off.
// Its directory is made here first, one level at a time (src/adapters/fs): Node's own recursive mkdir loops for ever
// at 100% CPU where mkdir answers ENOENT with the parent there (a TMPDIR under /proc), and every command hung before
// it began (review gr, 1). Where it cannot be made, the command runs without the cache.
// Once it is there (every command after the first), the cache is turned on before any TypeScript file is loaded: the
// first one stripped without it loads Node's TypeScript stripper, about 0.13 s of CPU, half of `--version`'s (stop 49).
if (!process.env.NODE_COMPILE_CACHE && process.env.NODE_DISABLE_COMPILE_CACHE !== '1') {
  const dir = join(tmpdir(), 'node-compile-cache');
  let there = false;
  try {
    there = statSync(dir).isDirectory();
  } catch {
    // Not there yet: made below.
  }
  try {
    if (!there) (await import('../src/adapters/fs/index.ts')).makeDirectorySync(dir, 0o700);
    module.enableCompileCache?.();
  } catch {
    // No cache: slower to start, never stuck.
  }
}
// node:sqlite prints an ExperimentalWarning on load; it is the embedded store by design (docs/decisions.md).
process.removeAllListeners('warning');
process.on('warning', (w) => {
  if (w.name === 'ExperimentalWarning' && /SQLite|Type Stripping/i.test(w.message)) return;
  process.stderr.write(`${w.name}: ${w.message}\n`);
});
await import('../src/main/cli.ts');
