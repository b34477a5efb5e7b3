/**
 * Composition root of the `gatehouse` CLI: wires the real process (streams, file system, clock) into the CLI
 * adapter. Sets `process.exitCode` rather than calling `process.exit`, so piped output is flushed first.
 */
import { readdir, readFile } from 'node:fs/promises';
import pkg from '../../package.json' with { type: 'json' };
import { runCli } from '../adapters/cli/index.ts';

// `gatehouse … | head` closes the pipe early: stop quietly, as other command-line tools do.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw e;
});

process.exitCode = await runCli(process.argv.slice(2), {
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
  readFile: (path) => readFile(path, 'utf8'),
  readDir: async (path) => (await readdir(path, { withFileTypes: true })).map((e) => ({ name: e.name, directory: e.isDirectory() })),
  env: process.env,
  now: () => Date.now(),
  version: pkg.version,
  // Loaded on demand: the server brings the whole service (stores, HTTP edges, metrics), the demo the AWS SDK
  // clients, and the agent its relay; the other commands are clients of a running server and need none of it.
  runServer: async (opts) => (await import('./server.ts')).runServer(opts),
  runDemo: async (opts) => (await import('./demo.ts')).runDemo(opts),
  runAgent: async (opts) => (await import('./agent.ts')).runAgent(opts),
});
