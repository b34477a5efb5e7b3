/**
 * Review hu, 3: `gatehouse jobs run` (or `clusters run-node`) run inside a job took the enclosing job's credentials file
 * for its own. Every rank is given `GATEHOUSE_CREDENTIALS_FILE`, the path of its job's file, and the launcher reads
 * that variable as the default of `--credentials-file`; so a job started from a rank (a user in an interactive job
 * running one with their own keys, a pipeline job starting a node) was refused before it was submitted, exit 7:
 * "--credentials-file `…` exists and holds credentials in the layout `gatehouse jobs run` writes: another job may be
 * using it", naming an option nobody gave. Inside a job (`GATEHOUSE_JOB_ID` set) the variable is that job's file, never
 * a choice for another: the new job gets its own private path unless `--credentials-file` names one.
 *
 * The real CLI: an outer `jobs run` whose rank runs an inner `jobs run` with the admin's keys. Before the fix 1 of 1
 * test failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { call } from '../src/adapters/cli/client.ts';
import { startServer, type RunningServer } from '../src/main/server.ts';
import { connectionTo, GATEHOUSE_BIN, gatehouseCli, keysOf, type Keys } from './support/processes.ts';

let home: string;
let server: RunningServer;
let admin: Keys;

before(async () => {
  home = await mkdtemp(join(tmpdir(), 'gh-agent-review-hu3-'));
  server = await startServer({ dataDir: join(home, 'data'), listen: '127.0.0.1:0', agentListen: '127.0.0.1:0', env: {}, log: () => {} });
  assert.ok(server.adminCredentials);
  admin = keysOf(server.adminCredentials);
  assert.ok((await call(connectionTo(server.url, admin), 'PUT', ['workspaces', 'w'], { body: { members: [{ user: 'admin' }] } })).ok);
});
after(async () => {
  await server?.stop();
  if (home) await rm(home, { recursive: true, force: true });
});

test('hu3: a job started from a rank of another job gets its own credentials file, not the enclosing job’s', async () => {
  // The inner launcher, with the user's keys given again (a rank has none of the caller's), and the server named.
  const inner = [process.execPath, GATEHOUSE_BIN, 'jobs', 'run', '--workspace', 'w', '--role', 'default', '--', '/bin/sh', '-c', 'test -s "$GATEHOUSE_CREDENTIALS_FILE" && test "$GATEHOUSE_CREDENTIALS_FILE" != "$1"', 'inner'];
  const script = `outer="$GATEHOUSE_CREDENTIALS_FILE"; test -s "$outer" || exit 90; AWS_ACCESS_KEY_ID='${admin.accessKeyId}' AWS_SECRET_ACCESS_KEY='${admin.secretAccessKey}' GATEHOUSE_ENDPOINT='${server.url}' exec ${inner.map((a) => `'${a}'`).join(' ')} "$outer"`;
  const r = await gatehouseCli(['jobs', 'run', '--workspace', 'w', '--role', 'default', '--', '/bin/sh', '-c', script], admin, { endpoint: server.url, home });
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(r.stderr, /exists and holds credentials/);
  // Two jobs ran, each to its end.
  assert.equal((r.stderr.match(/ended with status 0/g) ?? []).length, 2, r.stderr);
});
