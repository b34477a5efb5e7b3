/**
 * Review np, 1 (cli): the output format's one-word forms. `asksForJson` (src/adapters/cli/output.ts) and the help's
 * "-o json too" take `-o` as kubectl's `-o`, whose documented spellings include `-o=json` and `-ojson` (kubectl
 * reference, "Output options": `kubectl get pods -o=json`; pflag reads `-o=VALUE` as VALUE); and review jc, 4 made the
 * format given before the command the command's own. But commander reads `-o=json` as the value `=json`: `gatehouse
 * whoami -o=json` was a usage error (`argument '=json' is invalid. Allowed choices are json, text, table`, exit 2),
 * printed as JSON because the line had asked for JSON; and before the command, `gatehouse -o=json whoami` and
 * `gatehouse -ojson whoami` were `unknown option` (exit 2) though `whoami -ojson` worked. Now `-o=FORMAT` is `-o
 * FORMAT` (`kube token`'s too), and `-oFORMAT` / `-o=FORMAT` before the command are moved after it as `-o FORMAT` is; any other format is
 * still refused, naming the three.
 *
 * The CLI in this process (test/support/gatehouse-cli.ts) against a real server on 127.0.0.1.
 *
 * Before the fix 3 of 3 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { gatehouseCliInProcess } from './support/gatehouse-cli.ts';
import { startTestServer, type TestServer } from './support/server.ts';

describe('np1: -o=FORMAT and -oFORMAT', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
  });
  after(async () => s?.stop());

  const cli = (args: readonly string[]) => gatehouseCliInProcess(args, s.admin, { endpoint: s.url, home: s.dataDir });

  it('COMMAND -o=json prints what --json prints; -o=table the default output', async () => {
    const json = await cli(['whoami', '--json']);
    assert.equal(json.code, 0, json.stderr);
    const r = await cli(['whoami', '-o=json']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), JSON.parse(json.stdout));
    const table = await cli(['iam', 'users', 'list', '-o=table']);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /^NAME +ARN +CREATED\nadmin /);
    // kube token's own -o (aws eks get-token's --output json) too.
    const token = await cli(['kube', 'token', '--cluster', 'c', '-o=json']);
    assert.equal(token.code, 0, token.stderr);
    assert.equal((JSON.parse(token.stdout) as { kind: string }).kind, 'ExecCredential');
  });

  it('-o=json COMMAND and -ojson COMMAND, before the command', async () => {
    for (const args of [['-o=json', 'iam', 'users', 'list'], ['-ojson', 'iam', 'users', 'list'], ['-o=json', '--endpoint', s.url, 'iam', 'users', 'list']]) {
      const r = await cli(args);
      assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
      assert.deepEqual((JSON.parse(r.stdout) as { users: { name: string }[] }).users.map((u) => u.name), ['admin'], args.join(' '));
    }
  });

  it('-o=yaml is refused as -o yaml is, before or after the command', async () => {
    for (const args of [['iam', 'users', 'list', '-o=yaml'], ['-o=yaml', 'iam', 'users', 'list']]) {
      const r = await cli(args);
      assert.equal(r.code, 2, args.join(' '));
      assert.equal(r.stdout, '');
      assert.match(r.stderr, /argument '=?yaml' is invalid\. Allowed choices are json, text, table/, args.join(' '));
    }
  });
});
