/**
 * Review sp, 4: `gatehouse apply --json` (and `plan --json`, `audit verify --json`) wrote its progress notices as text on
 * stderr — `gatehouse: 503 ServiceUnavailable from …; trying again in 0.0 s (try 2 of 2, AWS_MAX_ATTEMPTS)`, `gatehouse:
 * still waiting for the server …` — before the JSON error it then wrote there too. With `--json` every error is one JSON
 * document on stderr (review F, F4; review jn, 2 and mr, 1 parse it whole), which a CI script reads with `jq .error.code`:
 * an apply retried through a database failover (503 with Retry-After, which the CLI retries as the SDKs do) left a
 * stderr no JSON parser reads, and the script saw a parse error instead of `ServiceUnavailable`. With `--json` the
 * notices are not written now, as the aws CLI writes none; without it they are, as before.
 *
 * The CLI in this process against a stand-in on 127.0.0.1 answering `POST /v1/apply` the admin API's 503 with
 * `Retry-After: 0`.
 *
 * Before the fix 3 of 4 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gatehouseInProcess } from './support/gatehouse-cli.ts';

describe('sp4: apply --json writes no progress text before its JSON error', () => {
  let home: string;
  let stand: Server;
  let endpoint: string;
  let asked = 0;
  before(async () => {
    home = await mkdtemp(join(tmpdir(), 'sp4-'));
    await writeFile(join(home, 'user.yaml'), 'apiVersion: gatehouse.dev/v1\nkind: User\nmetadata:\n  name: sp4\n');
    stand = createServer((req, res) => {
      asked++;
      req.resume();
      const body = JSON.stringify({ error: { code: 'ServiceUnavailable', message: 'the store cannot be reached; retry later', gatehouseCode: 'SERVICE_UNAVAILABLE' } });
      res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '0', 'x-amzn-requestid': '6a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    });
    await new Promise<void>((resolve) => stand.listen(0, '127.0.0.1', resolve));
    const a = stand.address();
    endpoint = `http://127.0.0.1:${typeof a === 'object' && a !== null ? a.port : 0}`;
  });
  after(async () => {
    await new Promise((resolve) => stand?.close(resolve));
    if (home !== undefined) await rm(home, { recursive: true, force: true });
  });

  const cli = (args: readonly string[]) =>
    gatehouseInProcess(args, { HOME: home, GATEHOUSE_ENDPOINT: endpoint, AWS_ACCESS_KEY_ID: 'AKIASP4EXAMPLE000000', AWS_SECRET_ACCESS_KEY: 'sp4-secret', AWS_MAX_ATTEMPTS: '2' }, { cwd: home });

  for (const args of [['apply', '-f', 'user.yaml'], ['plan', '-f', 'user.yaml'], ['audit', 'verify']]) {
    it(`${args.join(' ')} --json: tried twice, then stderr is the JSON error alone`, async () => {
      const before = asked;
      const r = await cli([...args, '--json']);
      assert.equal(asked - before, 2, 'the 503 was tried again');
      assert.equal(r.code, 10, r.stderr);
      assert.equal(r.stdout, '');
      // Before: `gatehouse: 503 ServiceUnavailable from …; trying again …` first, and JSON.parse failed.
      let doc: { error?: { code?: string; requestId?: string } } = {};
      assert.doesNotThrow(() => (doc = JSON.parse(r.stderr) as typeof doc), `stderr is not one JSON document: ${r.stderr}`);
      assert.equal(doc.error?.code, 'ServiceUnavailable', r.stderr);
    });
  }

  it('without --json the notice is said, as before', async () => {
    const r = await cli(['apply', '-f', 'user.yaml']);
    assert.equal(r.code, 10, r.stderr);
    assert.match(r.stderr, /^gatehouse: 503 ServiceUnavailable from http:\/\/127\.0\.0\.1:\d+; trying again in 0\.0 s \(try 2 of 2, AWS_MAX_ATTEMPTS\)\n/);
    assert.match(r.stderr, /the store cannot be reached; retry later/);
  });
});
