/**
 * Composition root of the `gatehouse` CLI: wires the real process (streams, file system, clock) into the CLI
 * adapter. Sets `process.exitCode` rather than calling `process.exit`, so piped output is flushed first.
 */
import { fstatSync } from 'node:fs';
import { open, readdir, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import pkg from '../../package.json' with { type: 'json' };
import { runCli } from '../adapters/cli/index.ts';

// `gatehouse … | head` closes the pipe early: stop quietly, as other command-line tools do.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw e;
});
// `gatehouse plan … 2>&1 >/dev/null | head` closes stderr early: the error was uncaught and the process exited 1, which
// docs/errors.md gives to a deny. Messages stop there; the command ends with its own status.
let stderrOpen = true;
process.stderr.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') stderrOpen = false;
  else throw e;
});

/**
 * No input of the CLI comes near this (a policy file may have 1 MiB, an apply file 4 Mi characters, so 16 MiB of
 * UTF-8): reading stops here, so `/dev/zero`, a disk image or a log given by mistake is refused at once instead of
 * being read whole into memory.
 */
const MAX_INPUT_BYTES = 16 << 20;

const systemError = (code: string, message: string): NodeJS.ErrnoException => Object.assign(new Error(message), { code });

const tooLarge = (): NodeJS.ErrnoException => systemError('EFBIG', `larger than ${MAX_INPUT_BYTES >> 20} MiB, more than any input of gatehouse may be; check the path`);

/** The bytes of `path` (`-`: standard input), at most `MAX_INPUT_BYTES`. */
async function readBytes(path: string): Promise<Buffer> {
  if (path === '-') {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const c of process.stdin as AsyncIterable<Buffer>) {
      size += c.length;
      if (size > MAX_INPUT_BYTES) throw tooLarge();
      chunks.push(c);
    }
    return Buffer.concat(chunks);
  }
  const file = await open(path, 'r');
  try {
    const chunks: Buffer[] = [];
    let size = 0;
    for (;;) {
      const buffer = Buffer.allocUnsafe(1 << 20);
      const { bytesRead } = await file.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) return Buffer.concat(chunks);
      size += bytesRead;
      if (size > MAX_INPUT_BYTES) throw tooLarge();
      chunks.push(buffer.subarray(0, bytesRead));
    }
  } finally {
    await file.close();
  }
}

/** Where the first byte that is not UTF-8 is, for the message: `byte 0xe9 at line 6, column 18`. */
function invalidUtf8At(bytes: Buffer): string {
  let i = 0;
  while (i < bytes.length) {
    const c = bytes[i] as number;
    const n = c < 0x80 ? 0 : c >= 0xc2 && c <= 0xdf ? 1 : c >= 0xe0 && c <= 0xef ? 2 : c >= 0xf0 && c <= 0xf4 ? 3 : -1;
    let ok = n >= 0 && i + n < bytes.length;
    for (let k = 1; ok && k <= n; k++) ok = ((bytes[i + k] as number) & 0xc0) === 0x80;
    if (!ok) break;
    i += n + 1;
  }
  if (i >= bytes.length) return 'a byte sequence that is not UTF-8';
  const lineStart = bytes.lastIndexOf(0x0a, i - 1) + 1;
  const line = bytes.subarray(0, lineStart).filter((b) => b === 0x0a).length + 1;
  const column = bytes.subarray(lineStart, i).toString('utf8').length + 1;
  return `byte 0x${(bytes[i] as number).toString(16).padStart(2, '0')} at line ${line}, column ${column}`;
}

/** The first read of standard input, for every `-` of one command line (it can be read once). */
let stdinText: Promise<string> | undefined;

/**
 * A whole input file as text (`-`: standard input, as kubectl and the aws CLI take it). Text that is not UTF-8 is
 * refused, saying where: decoded leniently, a Latin-1 `é` became U+FFFD and the error blamed the document's
 * characters instead of its encoding.
 */
async function readText(path: string): Promise<string> {
  if (path === '-') return (stdinText ??= decode(path, readBytes(path)));
  return decode(path, readBytes(path));
}

async function decode(path: string, read: Promise<Buffer>): Promise<string> {
  const bytes = await read;
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    throw systemError('EILSEQ', `${path === '-' ? 'standard input' : 'the file'} is not UTF-8 text (${invalidUtf8At(bytes)}); convert it, e.g. iconv -f latin1 -t utf-8`);
  }
}

/**
 * Ends the process (status 0, as an EPIPE on stdout does above) once the reader of the pipe on stdout is gone, for a
 * command that may not write for hours (`gatehouse audit query --follow | head -1`). Node cannot ask whether a pipe
 * still has a reader without writing to it, so GNU tail does, as it does for itself: `tail -f --pid=OURS /dev/null`
 * on the same stdout writes nothing, polls the pipe each second and dies of SIGPIPE when the reader has closed it
 * (and ends by itself when this process does). Not a pipe (a terminal, a file), or no GNU tail (BSD and busybox tail
 * refuse --pid and exit at once): nothing changes, and the next record written ends the process as before.
 */
function watchOutput(): void {
  try {
    if (!fstatSync(1).isFIFO()) return;
  } catch {
    return;
  }
  // On demand: node:child_process is of no use to any other command.
  const { spawn } = createRequire(import.meta.url)('node:child_process') as typeof import('node:child_process');
  const watcher = spawn('tail', ['-f', '-s', '1', `--pid=${process.pid}`, '/dev/null'], { stdio: ['ignore', 'inherit', 'ignore'] });
  watcher.on('error', () => {});
  watcher.on('exit', (_code, signal) => {
    if (signal === 'SIGPIPE') process.exit(process.exitCode ?? 0);
  });
  watcher.unref();
  process.on('exit', () => void watcher.kill());
}

process.exitCode = await runCli(process.argv.slice(2), {
  out: (text) => void process.stdout.write(text),
  err: (text) => void (stderrOpen && process.stderr.write(text)),
  readFile: readText,
  // A link to a directory is that directory, as a link to a file is that file: a GitOps tree that links a shared folder
  // in must not lose its documents (and have `apply --prune` delete their objects). A dangling link is no directory.
  readDir: async (path) =>
    Promise.all(
      (await readdir(path, { withFileTypes: true })).map(async (e) => ({
        name: e.name,
        directory: e.isDirectory() || (e.isSymbolicLink() && (await stat(`${path.replace(/\/+$/, '')}/${e.name}`).then((t) => t.isDirectory(), () => false))),
      })),
    ),
  env: process.env,
  now: () => Date.now(),
  version: pkg.version,
  // Loaded on demand: the server brings the whole service (stores, HTTP edges, metrics), the demo the AWS SDK
  // clients, and the agent its relay; the other commands are clients of a running server and need none of it.
  runServer: async (opts) => (await import('./server.ts')).runServer(opts),
  runDemo: async (opts) => (await import('./demo.ts')).runDemo(opts),
  runAgent: async (opts) => (await import('./agent.ts')).runAgent(opts),
  watchOutput,
});
