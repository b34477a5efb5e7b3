/**
 * One message for a file that cannot be read (review cli, G11; STYLE.md habit 4): `resource-policies put --file`,
 * `iam-policy set --file`, `iam … --document/--trust-policy`, `sts assume-role --policy file://` and
 * `kube webhook-config --ca-file` printed Node's own error (`cannot read /x: ENOENT: no such file or directory, open
 * '/x'`: the path twice, once without backticks, no next step). Each now says `cannot read \`FILE\`: no such file;
 * check the path` (or `is a directory; give a file`), as `policy validate` did, exit 5. The CLI's program in this
 * process (test/support/gatehouse-cli.ts: the executable's file readers) against a real server on 127.0.0.1.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { gatehouseCliInProcess } from './support/gatehouse-cli.ts';
import { startTestServer, type TestServer } from './support/server.ts';

describe('a file that cannot be read: one message everywhere', () => {
  let s: TestServer;
  const gatehouse = (args: readonly string[]) => gatehouseCliInProcess(args, s.admin, { endpoint: s.url, home: s.dataDir });
  before(async () => {
    s = await startTestServer();
  });
  after(async () => s?.stop());

  it('missing files and directories, for each command that reads one', async () => {
    const missing = '/nonexistent-g11/policy.json';
    const cases: [readonly string[], RegExp][] = [
      [['resource-policies', 'put', 'arn:aws:s3:::b', '--file', missing], /^gatehouse: cannot read `\/nonexistent-g11\/policy\.json`: no such file; check the path\n$/],
      [['iam-policy', 'set', 'account/000000000000', '--file', s.dataDir], /^gatehouse: cannot read `[^`]+`: is a directory; give a file\n$/],
      [['iam', 'roles', 'create', 'r', '--trust-policy', missing], /^gatehouse: cannot read `\/nonexistent-g11\/policy\.json`: no such file; check the path\n$/],
      [['sts', 'assume-role', '--role-arn', 'arn:aws:iam::000000000000:role/r', '--role-session-name', 's', '--policy', `file://${missing}`], /^gatehouse: cannot read the session policy `\/nonexistent-g11\/policy\.json`: no such file; check the path\n$/],
    ];
    const results = await Promise.all(cases.map(([args]) => gatehouse(args)));
    results.forEach((r, i) => {
      const [args, message] = cases[i] as [readonly string[], RegExp];
      assert.equal(r.code, 5, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message, args.join(' '));
    });
  });
});
