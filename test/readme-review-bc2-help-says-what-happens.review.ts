/**
 * Review `bc` (a new user's tour of the README), 2: two `--help` texts said the opposite of what the commands do.
 *
 * - `jobs run --help` and `clusters run-node --help` said that where /proc/net/tcp cannot be read (not Linux) a job's
 *   metadata endpoint "serves any process of the node". Since review agent A4 it refuses every process there (it
 *   cannot tell whose a process is, and the endpoint carries no capability); the README says so. A reader deciding
 *   whether IMDS is safe on a non-Linux node was told the unsafe thing, and the wrong thing.
 * - `sts assume-role --help` listed exit 6 for "no such role"; a role that does not exist is answered AccessDenied
 *   (exit 9), as AWS STS answers it, so that a caller is not told whether it exists. A script testing for 6 never
 *   saw it.
 *
 * The help run in process; the behaviour each states checked beside it: the peer check without a socket table
 * (onlyUid with createPeerUids on a directory that does not exist) and `sts assume-role` of a missing role against a
 * real server (startTestServer, SQLite in a temporary dir).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, connect, type Socket } from 'node:net';
import { EXIT } from '../src/adapters/cli/exit-codes.ts';
import { createPeerUids, onlyUid } from '../src/adapters/agent/peer-uid.ts';
import { cliAgainst, startTestServer, type TestServer } from './support/server.ts';
import { helpWords } from './support/cli-help.ts';

let s: TestServer;

before(async () => {
  s = await startTestServer();
});

after(async () => {
  await s?.stop();
});

const help = (...args: string[]): Promise<string> => helpWords(...args);

test('bc2: jobs run and clusters run-node --help say the metadata endpoint refuses every process where it cannot check the uid', async () => {
  // What the endpoint does without a socket table: refuse.
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  assert.ok(address !== null && typeof address === 'object');
  const accepted = new Promise<Socket>((resolve) => server.once('connection', resolve));
  const client = connect(address.port, '127.0.0.1');
  const socket = await accepted;
  const verdict = await onlyUid(process.getuid?.() ?? 0, createPeerUids({ dir: '/nonexistent' }), () => {})(socket);
  client.destroy();
  server.close();
  assert.equal(verdict.ok, false);

  for (const command of [['jobs', 'run'], ['clusters', 'run-node']]) {
    const text = await help(...command);
    assert.doesNotMatch(text, /serves any process/, command.join(' '));
    assert.match(text, /Where \/proc\/net\/tcp cannot be read \(not Linux, no \/proc\) it cannot tell whose a process is, so it refuses every one \(403/, command.join(' '));
  }
});

test('bc2: sts assume-role --help gives the exit status a missing role gets (9, AccessDenied), not 6', async () => {
  const r = await cliAgainst(s, ['sts', 'assume-role', '--role-arn', 'arn:aws:iam::000000000000:role/nosuch', '--role-session-name', 'me']);
  assert.equal(r.status, EXIT.accessDenied, r.err);
  assert.match(r.err, /AccessDenied/);
  const text = await help('sts', 'assume-role');
  assert.doesNotMatch(text, /6 no such role/);
  assert.match(text, /9 not allowed to assume it \(a role that does not exist too/);
});
