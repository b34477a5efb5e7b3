/**
 * An empty name or id (review cli, H7): `gatehouse iam users get "$NAME"` with NAME unset sent `GET /v1/users/`, the
 * listing, and printed it as if it were the user, exit 0 (a script's `… get "$U" && echo exists` said yes); `jobs get
 * ''` crashed (internal error, exit 70); `iam users delete ''` answered MethodNotAllowed (exit 8). Now an empty (or
 * blank) argument where the path takes a name is refused before anything is sent: EmptyArgument, exit 2 (usage),
 * saying where. The CLI's program in this process (test/support/gatehouse-cli.ts) against a real server on
 * 127.0.0.1.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { gatehouseCliInProcess } from './support/gatehouse-cli.ts';
import { startTestServer, type TestServer } from './support/server.ts';

describe('an empty argument where a name or id goes', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
  });
  after(async () => s?.stop());

  for (const args of [
    ['iam', 'users', 'get', ''],
    ['iam', 'roles', 'delete', ' '],
    ['jobs', 'get', ''],
    ['resource-policies', 'get', ''],
    ['iam', 'get-inline', '', '--user', 'admin'],
    ['iam', 'users', 'get', '', '--json'],
  ]) {
    it(`gatehouse ${args.map((a) => (a.trim() === '' ? `'${a}'` : a)).join(' ')}: exit 2, nothing printed as a result`, async () => {
      const r = await gatehouseCliInProcess(args, s.admin, { endpoint: s.url, home: s.dataDir });
      assert.equal(r.code, 2, `${r.stdout}${r.stderr}`);
      // On stderr with --json too (review F, F4); stdout holds results only.
      if (args.includes('--json')) assert.equal(r.stdout, '');
      assert.match(r.stderr, /EmptyArgument[^]*an empty argument where a name or id goes \((GET|DELETE) \/v1\/[a-z/-]*<empty>/);
      assert.doesNotMatch(r.stdout, /admin|undefined/);
    });
  }
});
