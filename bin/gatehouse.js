#!/usr/bin/env node
// Entry point for `npx gatehouse`: the CLI is TypeScript, run by Node's type stripping.
// `npx` runs the Node.js 24 that `npm install` puts in node_modules (the `node` devDependency); anyone who runs
// this file with another Node.js is told so, rather than met with a syntax error from a .ts file.
const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  process.stderr.write(`gatehouse: needs Node.js 24 or later, and this is ${process.version}: run \`npx gatehouse …\` in the repository (after \`npm install\`), which uses the Node.js 24 installed in node_modules\n`);
  process.exit(1);
}
// node:sqlite prints an ExperimentalWarning on load; it is the embedded store by design (docs/decisions.md).
process.removeAllListeners('warning');
process.on('warning', (w) => {
  if (w.name === 'ExperimentalWarning' && /SQLite|Type Stripping/i.test(w.message)) return;
  process.stderr.write(`${w.name}: ${w.message}\n`);
});
await import('../src/main/cli.ts');
