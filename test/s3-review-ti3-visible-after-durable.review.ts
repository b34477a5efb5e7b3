/**
 * Review ti, 3, on the file object store (src/adapters/objects-fs/store.ts): a write becomes visible to readers only
 * once its commit is durable.
 *
 * What was wrong: `commitObject` renamed the new metadata file into place, put the new version in the in-memory index,
 * and only then fsynced the metadata directory, the step that makes the rename survive a crash (the store's own
 * contract, at the top of store.ts: "The metadata file is the commit point"; DESIGN.md's objects are acknowledged only
 * once durable). During that fsync a GetObject, HeadObject or ListObjects of another client was already served the new
 * object (or the new version of a key): a reader could see, and act on, an object that a crash in that window loses,
 * bringing back the version before. A delete already made its unlink durable before dropping the key from the index.
 *
 * What is now so: the metadata directory is fsynced before the index changes, so a reader sees the previous state
 * (no object, or the previous version) until the commit is durable. Checked here by wrapping the store's directory
 * fsync (the hook a crash would cut) and reading the key from inside it, without a real crash.
 *
 * Before the fix 2 of 2 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openFsObjectStore } from '../src/adapters/objects-fs/index.ts';
import type { ObjectStore } from '../src/app/ports/objects.ts';

const BUCKET = 'ti3-durable';

describe('ti 3: an object is visible only once its metadata rename is durable', () => {
  let dir: string;
  let store: ObjectStore;
  /** What a reader got of the key, at each fsync of a directory made while `watching`. */
  let seen: string[] = [];
  let watching: string | undefined;

  const read = async (key: string): Promise<string> => {
    const head = await store.headObject(BUCKET, key);
    const listed = await store.listObjects({ bucket: BUCKET, prefix: key });
    const inList = listed.ok && listed.value.objects.some((o) => o.key === key);
    return `${head.ok ? head.value.etag : head.error.code}${inList ? ' listed' : ''}`;
  };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gh-ti3-'));
    store = await openFsObjectStore(dir, { fsync: true });
    const created = await store.createBucket(BUCKET, '000000000000');
    assert.ok(created.ok);
    // The store's directory fsync, wrapped: a reader's view of the key just before each one runs.
    const hooked = store as unknown as { fsyncDir(d: string): Promise<void> };
    const fsyncDir = hooked.fsyncDir.bind(store);
    hooked.fsyncDir = async (d: string) => {
      if (watching !== undefined) seen.push(await read(watching));
      await fsyncDir(d);
    };
  });
  after(async () => {
    await store?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const put = async (key: string, body: string) => {
    watching = key;
    seen = [];
    try {
      const r = await store.putObject({ bucket: BUCKET, key, body: (async function* () {
        yield Buffer.from(body);
      })(), size: body.length });
      assert.ok(r.ok, JSON.stringify(r));
      return r.value;
    } finally {
      watching = undefined;
    }
  };

  it('a new key is not read nor listed before its commit is durable', async () => {
    const info = await put('new.txt', 'first');
    assert.ok(seen.length > 0, 'the write fsynced directories');
    assert.deepEqual(seen, seen.map(() => 'NoSuchKey'), `seen during the write's fsyncs: ${JSON.stringify(seen)}`);
    assert.equal(await read('new.txt'), `${info.etag} listed`);
  });

  it('a key rewritten reads as its previous version until the new commit is durable', async () => {
    const first = await put('kept.txt', 'version one');
    const second = await put('kept.txt', 'version two');
    assert.notEqual(first.etag, second.etag);
    assert.deepEqual(seen, seen.map(() => `${first.etag} listed`), `seen during the rewrite's fsyncs: ${JSON.stringify(seen)}`);
    assert.equal(await read('kept.txt'), `${second.etag} listed`);
  });
});
