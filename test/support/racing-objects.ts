/**
 * A deterministic race on the S3 gateway's object store, for the reviews of a read decided on one version of an object
 * and served from another (mq 2, mq 3): the S3 use cases of a second App on a test server, given an object store of
 * their own (a temporary directory) through a wrapper that runs a racing write once, where the use case's next call of
 * one store method reaches the store: after the use case read the object's record and decided on it. As review bj's
 * test does for PutObjectTagging.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createS3, type S3Call } from '../../src/app/s3.ts';
import type { Caller } from '../../src/app/index.ts';
import type { ObjectStore } from '../../src/app/ports/objects.ts';
import { openFsObjectStore } from '../../src/adapters/objects-fs/index.ts';
import { compilePolicy, parsePolicy } from '../../src/core/iam/index.ts';
import { rootAdminCaller } from './callers.ts';
import { startTestServer, type TestServer } from './server.ts';

export interface RacingObjects {
  readonly server: TestServer;
  /** The object store itself, which no write races. */
  readonly store: ObjectStore;
  /** The S3 use cases, on the store through the racing wrapper. */
  readonly s3: ReturnType<typeof createS3>;
  /** `write` runs once, just before the use cases' next call of the raced method reaches the store; undefined: none. */
  race(write: (() => Promise<void>) | undefined): void;
  /** Writes `text` to `key` of the bucket straight to the store, with `tags` when given. */
  put(key: string, text: string, tags?: Record<string, string>): Promise<void>;
  /** Stops the server and removes the store's directory. */
  close(): Promise<void>;
}

/** A server, and its S3 use cases on a new store with `bucket` made, whose calls of `method` a write can race. */
export async function startRacingObjects(bucket: string, method: 'getObject' | 'copyObject'): Promise<RacingObjects> {
  const server = await startTestServer();
  let dir = '';
  const close = async (): Promise<void> => {
    await server.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  };
  try {
    const app = await server.openApp();
    dir = await mkdtemp(join(tmpdir(), `gh-${bucket}-`));
    const store = await openFsObjectStore(join(dir, 'objects'), { fsync: false });
    let racing: (() => Promise<void>) | undefined;
    const raced = new Proxy(store, {
      get(target, name, receiver) {
        if (name !== method) return Reflect.get(target, name, receiver) as unknown;
        return async (...args: unknown[]) => {
          const race = racing;
          racing = undefined;
          if (race) await race();
          return (target[method] as (...a: unknown[]) => Promise<unknown>)(...args);
        };
      },
    });
    const s3 = createS3(app, raced);
    const made = await s3.createBucket(callOf(rootAdminCaller), bucket);
    assert.ok(made.ok, JSON.stringify(made));
    return {
      server,
      store,
      s3,
      race(write) {
        racing = write;
      },
      async put(key, text, tags) {
        const body = (async function* () {
          yield Buffer.from(text);
        })();
        const r = await store.putObject({ bucket, key, body, ...(tags ? { tags } : {}) });
        assert.ok(r.ok, JSON.stringify(r));
      },
      close,
    };
  } catch (e) {
    await close();
    throw e;
  }
}

/** The root account's admin, allowed everything but reading an object tagged `classification=secret`. */
export function readerCaller(): Caller {
  const deny = parsePolicy(
    { Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 's3:GetObject', Resource: '*', Condition: { StringEquals: { 's3:ExistingObjectTag/classification': 'secret' } } }] },
    { kind: 'identity' },
  );
  if (!deny.ok) throw new Error('the deny policy does not parse');
  const base = rootAdminCaller as unknown as { policies: { identity: unknown[] } };
  return { ...rootAdminCaller, policies: { ...base.policies, identity: [...base.policies.identity, compilePolicy(deny.value, 'no-secrets')] } } as unknown as Caller;
}

/** An S3 call of `caller` from loopback over plain HTTP. */
export const callOf = (caller: Caller): S3Call => ({ caller, facts: { sourceIp: '127.0.0.1', secureTransport: false } });
