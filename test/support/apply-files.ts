/**
 * The setup of a test of `gatehouse apply` and `plan` through the real CLI: a real server on 127.0.0.1 (SQLite) and a
 * temporary directory for the files the CLI reads. Called inside a `describe`, it registers its own `before` (server
 * started, directory made) and `after` (server stopped, directory removed); a file's own `before`, registered after
 * this call, runs after it, with both in place.
 */
import { after, before } from 'node:test';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliAgainst, startTestServer, type TestServer } from './server.ts';

export interface ApplyWorkspace {
  /** The running server; only after the `before` hooks ran. */
  readonly server: TestServer;
  /** The temporary directory of the files; only after the `before` hooks ran. */
  readonly dir: string;
  /** The CLI run in process against the server as its root admin. */
  cli(...args: string[]): Promise<{ status: number; out: string; err: string }>;
  /** Writes `text` to `name` in the directory; its path. */
  file(name: string, text: string): Promise<string>;
}

/** A server and a temporary directory named `gh-<prefix>-…`, for the describe this is called in. */
export function applyWorkspace(prefix: string): ApplyWorkspace {
  let s: TestServer | undefined;
  let d: string | undefined;
  before(async () => {
    s = await startTestServer();
    d = await mkdtemp(join(tmpdir(), `gh-${prefix}-`));
  });
  after(async () => {
    await s?.stop();
    if (d) await rm(d, { recursive: true, force: true });
  });
  const w: ApplyWorkspace = {
    get server(): TestServer {
      if (!s) throw new Error('applyWorkspace: the server is started in before()');
      return s;
    },
    get dir(): string {
      if (!d) throw new Error('applyWorkspace: the directory is made in before()');
      return d;
    },
    cli: (...args) => cliAgainst(w.server, args),
    file: async (name, text) => {
      const f = join(w.dir, name);
      await writeFile(f, text);
      return f;
    },
  };
  return w;
}

/**
 * A file of two User documents, `first` and `probe`, whose spec is `probeSpec` on line 9 (from column 7): the file of
 * the reviews of where an error in a file's second document is placed and named (tl, 4; tx, 1).
 */
export const twoUsers = (probeSpec: string): string => `apiVersion: gatehouse.dev/v1
kind: User
metadata: {name: first}
spec: {}
---
apiVersion: gatehouse.dev/v1
kind: User
metadata: {name: probe}
spec: ${probeSpec}
`;
