/**
 * A new data dir for a test server whose SQLite file already holds the schema: a copy of one file this process
 * migrated once (`openSqliteStore`, the migrations `gatehouse server` applies to an empty file, then closed, so that
 * the WAL is checkpointed into it). The server then opens it as one that an earlier start migrated, and makes its
 * master key, key ring and root account as on any first start. 3–10 ms of CPU saved a server, by the load (13
 * migrations, 53 statements, their transaction and the WAL's first pages; docs/benchmarks.md "npm test CPU, stop
 * 63"): the suite starts some 1,300 of them.
 *
 * Only for a test that does not test the migrations or the file's creation: those start a server on a directory of
 * their own (`startTestServer({ dataDir })` takes it as given).
 */
import { constants, rmSync } from 'node:fs';
import { chmod, copyFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteStore, SQLITE_FILE_NAME } from '../../src/adapters/store-sqlite/index.ts';

let template: Promise<string> | undefined;

/** The migrated file, made on the first call; removed when the process exits. */
function migratedFile(): Promise<string> {
  template ??= (async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gh-schema-'));
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    const store = await openSqliteStore({ dataDir: dir });
    await store.close();
    return join(dir, SQLITE_FILE_NAME);
  })();
  return template;
}

/** A new directory under the system's temporary one, named from `prefix`, holding a migrated SQLite file (mode 0600, as the server makes it). */
export async function migratedDataDir(prefix: string): Promise<string> {
  const [file, dir] = await Promise.all([migratedFile(), mkdtemp(join(tmpdir(), prefix))]);
  const copy = join(dir, SQLITE_FILE_NAME);
  await copyFile(file, copy, constants.COPYFILE_EXCL);
  await chmod(copy, 0o600);
  return dir;
}
