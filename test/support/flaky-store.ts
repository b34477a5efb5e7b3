/**
 * A SQLite store in a temporary directory whose writes can be made to fail as an unreachable store's do
 * (`StoreUnavailableError`), reads still answering: the audit log's outage, for the queue and spool suites.
 */
import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { StoreUnavailableError, type Store } from '../../src/app/ports/store.ts';
import { chainVerifier, type AuditEvent, type AuditRecord } from '../../src/core/audit/index.ts';
import { openSqliteStore } from '../../src/adapters/store-sqlite/index.ts';
import { auditChainKey, chainDigest, loadMasterKey } from '../../src/adapters/crypto/index.ts';

export async function flakySqlite(prefix: string): Promise<{ dir: string; store: Store; real: Store; fail: (on: boolean) => void }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  const real = await openSqliteStore({ dataDir: dir });
  let failing = false;
  const store: Store = {
    dialect: real.dialect,
    migrations: real.migrations,
    read: (fn) => real.read(fn),
    write: (fn) => (failing ? Promise.reject(new StoreUnavailableError('SQLite is unavailable: disk I/O error')) : real.write(fn)),
    close: () => real.close(),
  };
  return { dir, store, real, fail: (on) => void (failing = on) };
}

/**
 * Every record of the store's audit chain (up to 10,000), asserting that the chain verifies: linked with plain
 * SHA-256 (an app made without `chainDigest`), or, given the data dir of a server that wrote it, keyed with the
 * chain key of that dir's master key.
 */
export async function verifiedChain(store: Store, serverDataDir?: string): Promise<AuditRecord[]> {
  const head = await store.read((tx) => tx.audit.head());
  const rows = await store.read((tx) => tx.audit.list({}, 0, 10_000));
  const sha256 = (t: string): string => createHash('sha256').update(t).digest('hex');
  let digest = sha256;
  if (serverDataDir !== undefined) {
    const key = await loadMasterKey({ dataDir: serverDataDir, env: {} });
    if (!key.ok) throw new Error(key.error.message);
    digest = chainDigest(auditChainKey(key.value.masterKey));
  }
  const v = chainVerifier(head, digest, serverDataDir !== undefined ? sha256 : undefined);
  assert.equal(v.check(rows) ?? v.end(head), undefined, 'the chain verifies');
  return rows;
}

/** Session record `i` of the root account (the spool and journal suites' fixture), with `extra` over it. */
export function sessionEvent(i: number, extra: Partial<AuditEvent> = {}): AuditEvent {
  const root = '000000000000';
  return {
    kind: 'session',
    account: root,
    principal: `arn:aws:iam::${root}:user/u`,
    action: 'sts:AssumeRole',
    resource: `arn:aws:iam::${root}:role/r`,
    decision: 'Allow',
    role: `arn:aws:iam::${root}:role/r`,
    session: `arn:aws:sts::${root}:assumed-role/r/s${i}`,
    sourceIp: '10.0.0.7',
    detail: { i },
    ...extra,
  };
}

/**
 * Waits until a journal segment released by a committed batch is gone from `spoolDir`. The release unlinks it
 * without waiting; a test that puts a saved copy back (a process that stopped between the commit and the removal)
 * must do so after that unlink, or the late unlink takes the copy too (seen on a loaded machine).
 */
export async function segmentReleased(spoolDir: string, name: string): Promise<void> {
  for (let i = 0; (await readdir(spoolDir)).includes(name); i++) {
    assert.ok(i < 500, `the committed journal segment ${name} is removed`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * `real` as a walk sees it while another instance writes: after `beforeSecondRead(step)`, the second read (the first
 * reads the head) first runs `step` to its end, once. Writes and other reads go straight to `real`.
 */
export function heldAtSecondRead(real: Store): { readonly store: Store; beforeSecondRead(step: () => Promise<unknown>): void } {
  let step: (() => Promise<unknown>) | undefined;
  let reads = 0;
  return {
    store: {
      dialect: real.dialect,
      migrations: real.migrations,
      read: async (fn) => {
        reads += 1;
        const p = step;
        if (p !== undefined && reads === 2) {
          step = undefined;
          await p();
        }
        return real.read(fn);
      },
      write: (fn) => real.write(fn),
      close: () => real.close(),
    },
    beforeSecondRead(s) {
      step = s;
      reads = 0;
    },
  };
}
