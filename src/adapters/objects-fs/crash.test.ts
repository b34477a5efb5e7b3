/**
 * Crash safety: a child process (the real runtime, `process.execPath`) writes through the store and is
 * SIGKILLed mid-write; the parent reopens the directory and checks that the previous version, or the one whose
 * commit raced the kill, is there whole — never a mix, never a torn object — and that nothing is left behind.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ObjectResult, ObjectStore } from '../../app/ports/objects.ts';
import { openFsObjectStore } from './index.ts';

const MiB = 1024 * 1024;
const INDEX = pathToFileURL(join(import.meta.dirname, 'index.ts')).href;

function value<T>(r: ObjectResult<T>): T {
  if (!r.ok) assert.fail(`expected ok, got ${r.error.code}: ${r.error.message}`);
  return r.value;
}

/** Version n of the object: `size` bytes, every one of them n mod 256, so a mix of versions shows. */
function version(n: number, size: number): Buffer {
  return Buffer.alloc(size, n % 256);
}

async function readAll(store: ObjectStore, bucket: string, key: string): Promise<{ etag: string; bytes: Buffer }> {
  const body = value(await store.getObject(bucket, key));
  const parts: Buffer[] = [];
  for await (const c of body.stream) parts.push(c as Buffer);
  return { etag: body.info.etag, bytes: Buffer.concat(parts) };
}

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) if (e.isFile()) out.push(join(e.parentPath, e.name));
  return out;
}

/** Runs `script` (an ES module body with `openFsObjectStore` and `dir` in scope) in a child; resolves on each stdout line. */
function child(dir: string, script: string, onLine: (line: string, proc: ChildProcess) => void): Promise<NodeJS.Signals | number | null> {
  const source = `const { openFsObjectStore } = await import(${JSON.stringify(INDEX)});\nconst dir = ${JSON.stringify(dir)};\n${script}`;
  const proc = spawn(process.execPath, ['--input-type=module', '-e', source], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  let buffered = '';
  proc.stdout.on('data', (d: Buffer) => {
    buffered += d.toString();
    let nl: number;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      onLine(line, proc);
    }
  });
  return new Promise((resolve, reject) => {
    proc.on('error', reject);
    proc.on('exit', (code, signal) => {
      if (signal === null && code !== 0) reject(new Error(`child exited ${code}: ${stderr}`));
      else resolve(signal ?? code);
    });
  });
}

describe('objects-fs: crash safety', () => {
  it('a process killed mid-upload leaves the previous version readable with its ETag', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gh-objects-crash-'));
    try {
      const v1 = version(1, 8 * MiB + 3);
      const store = await openFsObjectStore(dir);
      value(await store.createBucket('crash-bucket', '111122223333'));
      async function* body(): AsyncGenerator<Uint8Array> {
        yield v1;
      }
      const put = value(await store.putObject({ bucket: 'crash-bucket', key: 'ckpt', body: body() }));
      await store.close();

      // The child streams a 1 GiB second version, announcing when 32 MiB are written, and is killed then.
      const ended = await child(
        dir,
        `const store = await openFsObjectStore(dir);
         const chunk = Buffer.alloc(1 << 20, 2);
         async function* body() {
           for (let i = 0; i < 1024; i++) {
             if (i === 32) process.stdout.write('halfway\\n');
             if (i >= 32) await new Promise((r) => setTimeout(r, 20));
             yield chunk;
           }
         }
         await store.putObject({ bucket: 'crash-bucket', key: 'ckpt', body: body() });
         process.stdout.write('committed\\n');`,
        (line, proc) => {
          if (line === 'halfway') proc.kill('SIGKILL');
        },
      );
      assert.equal(ended, 'SIGKILL');
      const tmpBefore = await readdir(join(dir, 'tmp'));
      assert.ok(tmpBefore.length >= 1, 'the kill left a partial temporary file');

      const reopened = await openFsObjectStore(dir);
      try {
        const { etag, bytes } = await readAll(reopened, 'crash-bucket', 'ckpt');
        assert.equal(etag, put.etag);
        assert.equal(etag, createHash('md5').update(v1).digest('hex'));
        assert.ok(bytes.equals(v1), 'the previous version, byte for byte');
        assert.deepEqual(await readdir(join(dir, 'tmp')), [], 'temporary files removed at open');
        assert.equal((await filesUnder(join(dir, 'buckets', 'crash-bucket', 'data'))).length, 1, 'one segment: the live one');
      } finally {
        await reopened.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('killed at arbitrary points of repeated overwrites, the object is always one whole version', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gh-objects-crash-'));
    const size = 2 * MiB + 7;
    try {
      const store = await openFsObjectStore(dir);
      value(await store.createBucket('crash-bucket', '111122223333'));
      await store.close();
      let round = 0;
      for (const delayMs of [0, 3, 11, 25]) {
        round++;
        let committed = 0;
        const ended = await child(
          dir,
          `const store = await openFsObjectStore(dir);
           for (let n = ${round * 1000}; ; n++) {
             const data = Buffer.alloc(${size}, n % 256);
             async function* body() { for (let i = 0; i < data.length; i += 65536) yield data.subarray(i, i + 65536); }
             const r = await store.putObject({ bucket: 'crash-bucket', key: 'hot', body: body() });
             if (!r.ok) throw new Error(r.error.message);
             process.stdout.write('committed ' + n + '\\n');
           }`,
          (line, proc) => {
            committed = Number(line.split(' ')[1]);
            if (committed === round * 1000 + 3) setTimeout(() => proc.kill('SIGKILL'), delayMs);
          },
        );
        assert.equal(ended, 'SIGKILL');
        const reopened = await openFsObjectStore(dir);
        try {
          const { etag, bytes } = await readAll(reopened, 'crash-bucket', 'hot');
          assert.equal(bytes.length, size);
          const n = bytes[0]!;
          assert.ok(bytes.every((b) => b === n), 'one version throughout');
          // The last version announced, or the next one if its commit landed just before the kill.
          assert.ok(n === committed % 256 || n === (committed + 1) % 256, `version ${n} after ${committed} committed`);
          assert.equal(etag, createHash('md5').update(bytes).digest('hex'));
          assert.deepEqual(await readdir(join(dir, 'tmp')), []);
          assert.equal((await filesUnder(join(dir, 'buckets', 'crash-bucket', 'data'))).length, 1, `round ${round}: no orphaned segment`);
          assert.equal((await filesUnder(join(dir, 'buckets', 'crash-bucket', 'meta'))).length, 1);
        } finally {
          await reopened.close();
        }
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
