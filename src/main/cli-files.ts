/**
 * How the `gatehouse` CLI reads its inputs from the file system and standard input: bounded, UTF-8 checked, links to
 * directories followed. The composition root (src/main/cli.ts) gives it the process's stdin; tests that run the CLI
 * in their own process (test/support/gatehouse-cli.ts) give it theirs, so both read files exactly alike.
 */
import { open, readdir, realpath, stat } from 'node:fs/promises';
import { resolve } from 'node:path';

/**
 * No input of the CLI comes near this (a policy file may have 1 MiB, an apply file 4 Mi characters, so 16 MiB of
 * UTF-8): reading stops here, so `/dev/zero`, a disk image or a log given by mistake is refused at once instead of
 * being read whole into memory.
 */
export const MAX_INPUT_BYTES = 16 << 20;

const systemError = (code: string, message: string): NodeJS.ErrnoException => Object.assign(new Error(message), { code });

const tooLarge = (max: number): NodeJS.ErrnoException =>
  systemError('EFBIG', max === MAX_INPUT_BYTES ? `larger than ${MAX_INPUT_BYTES >> 20} MiB, more than any input of gatehouse may be; check the path` : `larger than ${max} bytes; check the path`);

/** The bytes of `path` (`-`: `stdin`), at most `max` (`MAX_INPUT_BYTES` or less). */
async function readBytes(path: string, stdin: AsyncIterable<Buffer>, max = MAX_INPUT_BYTES): Promise<Buffer> {
  if (path === '-') {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const c of stdin) {
      size += c.length;
      if (size > max) throw tooLarge(max);
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
      if (size > max) throw tooLarge(max);
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
  // Not `lastIndexOf(0x0a, i - 1)` at 0: a negative offset counts from the end, and a file whose first byte is the
  // fault was said to fail on its last line (review fd, 2).
  const lineStart = i === 0 ? 0 : bytes.lastIndexOf(0x0a, i - 1) + 1;
  const line = bytes.subarray(0, lineStart).filter((b) => b === 0x0a).length + 1;
  const column = bytes.subarray(lineStart, i).toString('utf8').length + 1;
  return `byte 0x${(bytes[i] as number).toString(16).padStart(2, '0')} at line ${line}, column ${column}`;
}

/**
 * The CLI's file readers over `stdin`, relative paths taken from `cwd`. `readFile` gives a whole input file as text
 * (`-`: standard input, as kubectl and the aws CLI take it, read once for every `-` of a command line). Text that is
 * not UTF-8 is refused, saying where: decoded leniently, a Latin-1 `é` became U+FFFD and the error blamed the
 * document's characters instead of its encoding. `readDir` lists a directory: a link to a directory is that
 * directory, as a link to a file is that file, so a GitOps tree that links a shared folder in does not lose its
 * documents (and have `apply --prune` delete their objects); a dangling link is no directory.
 */
export function cliFiles(stdin: AsyncIterable<Buffer>, cwd?: string): {
  readFile: (path: string, options?: { readonly maxBytes?: number }) => Promise<string>;
  readDir: (path: string) => Promise<{ name: string; directory: boolean }[]>;
  realPath: (path: string) => Promise<string>;
} {
  let stdinText: Promise<string> | undefined;
  const at = (path: string) => (cwd === undefined ? path : resolve(cwd, path));
  return {
    readFile: async (path, options) => {
      const max = Math.min(options?.maxBytes ?? MAX_INPUT_BYTES, MAX_INPUT_BYTES);
      // Standard input is read once, whole, for every `-`; a smaller bound is checked on what it held.
      if (path === '-') {
        const text = await (stdinText ??= decode(path, readBytes(path, stdin)));
        if (max < MAX_INPUT_BYTES && Buffer.byteLength(text) > max) throw tooLarge(max);
        return text;
      }
      return decode(path, readBytes(at(path), stdin, max));
    },
    realPath: (path) => realpath(at(path)),
    readDir: async (path) =>
      Promise.all(
        (await readdir(at(path), { withFileTypes: true })).map(async (e) => ({
          name: e.name,
          directory: e.isDirectory() || (e.isSymbolicLink() && (await stat(`${at(path).replace(/\/+$/, '')}/${e.name}`).then((t) => t.isDirectory(), () => false))),
        })),
      ),
  };
}

/**
 * The UTF-16 or UTF-32 encoding whose byte order mark `bytes` starts with: what Windows PowerShell's `>` and
 * `Out-File` write, and Notepad's "Unicode". Longest first: UTF-32LE's mark begins with UTF-16LE's.
 */
function unicodeBomOf(bytes: Buffer): string | undefined {
  const b = (i: number): number | undefined => bytes[i];
  if (b(0) === 0xff && b(1) === 0xfe && b(2) === 0 && b(3) === 0) return 'UTF-32LE';
  if (b(0) === 0 && b(1) === 0 && b(2) === 0xfe && b(3) === 0xff) return 'UTF-32BE';
  if (b(0) === 0xff && b(1) === 0xfe) return 'UTF-16LE';
  if (b(0) === 0xfe && b(1) === 0xff) return 'UTF-16BE';
  return undefined;
}

async function decode(path: string, read: Promise<Buffer>): Promise<string> {
  const bytes = await read;
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    const what = path === '-' ? 'standard input' : 'the file';
    // Said as such, not as a Latin-1 file to convert from latin1, which would make it worse (review fd, 2).
    const bom = unicodeBomOf(bytes);
    if (bom !== undefined) throw systemError('EILSEQ', `${what} is ${bom} text (it starts with that encoding's byte order mark), not UTF-8; convert it, e.g. iconv -f ${bom.slice(0, -2).toLowerCase()} -t utf-8 (in PowerShell, write it with -Encoding utf8)`);
    throw systemError('EILSEQ', `${what} is not UTF-8 text (${invalidUtf8At(bytes)}); convert it, e.g. iconv -f latin1 -t utf-8`);
  }
}
