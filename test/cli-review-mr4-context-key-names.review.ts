/**
 * Review mr, 4: `authorize`, `simulate`, `who-can` and `escalation-paths` read `--context KEY=VALUE` into a plain object, so a key named as one of Object.prototype's (`constructor`, `toString`, `valueOf`) was taken as given twice.
 * `--context constructor=1` was sent as `{"constructor": [null, "1"]}` (the inherited function as a first value) and
 * refused, exit 4, "context value of `constructor` must be a string, number, boolean or a list of them", blaming the
 * `1` the user gave; `--context __proto__=x` set the object's prototype and was dropped, the question asked without it,
 * silently. STYLE.md (10): untrusted input into null-prototype objects or Maps. Now the pairs are read into a
 * null-prototype object and a key is repeated only when the user repeated it, as `policy evaluate` reads them.
 * The CLI in this process (test/support/gatehouse-cli.ts) against a real server on 127.0.0.1.
 * Before the fix 1 of 2 tests failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { EXIT } from '../src/adapters/cli/exit-codes.ts';
import { gatehouseCliInProcess } from './support/gatehouse-cli.ts';
import { startTestServer, type TestServer } from './support/server.ts';

let server: TestServer;
before(async () => {
  server = await startTestServer();
});
after(async () => {
  await server?.stop();
});

const cli = (args: string[]) => gatehouseCliInProcess(args, server.admin, { endpoint: server.url, home: server.dataDir });
const question = ['--as', 'arn:aws:iam::000000000000:user/admin', '--action', 's3:GetObject', '--resource', 'arn:aws:s3:::mr4/k'];

test('mr4: a context key named as an Object.prototype member is one value, as given', async () => {
  for (const key of ['constructor', 'toString', 'valueOf']) {
    const r = await cli(['simulate', ...question, '--context', `${key}=1`, '--json']);
    assert.ok(r.code === EXIT.ok || r.code === EXIT.denied, `${key}: ${r.code} ${r.stderr}`);
    assert.doesNotMatch(r.stderr, /must be a string/);
  }
});

test('mr4: a key repeated is still several values', async () => {
  const r = await cli(['simulate', ...question, '--context', 'aws:TagKeys=team', '--context', 'aws:TagKeys=cost', '--json']);
  assert.ok(r.code === EXIT.ok || r.code === EXIT.denied, r.stderr);
});
