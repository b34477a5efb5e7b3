/**
 * Review sp, 3: three commands print a failure in lines of their own instead of through `report`, and so dropped the
 * request id `report` says after it. `gatehouse jobs run` (and `clusters run-node`) printed a failure of the server's
 * own (500, 503) as its message alone, though docs/errors.md "CLI exit status" promises the id after "a failure of the
 * server's own (any 5xx …)" (review sd, 3), the id that finds it in the server's log. `apply` and `plan` printed a
 * refused document (AccessDenied: the caller may not write it) as its errors at their places in the file and a summary
 * line, without the id that every other command now says after a refusal of access (review sp, 1) and that finds the
 * refusal's audit record. Both now say it on the line after, by the same rule. A refused submission stays the
 * platform's one line (`check permission for … failed: …`, seed 2's words, as README's transcripts show it).
 *
 * The CLI in this process against a real server on 127.0.0.1 (the refusals, found in the audit log by their id), and
 * against a stand-in on 127.0.0.1 answering the submission the admin API's 500 (a failure of the server's own).
 *
 * Before the fix 2 of 3 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gatehouseInProcess } from './support/gatehouse-cli.ts';
import { startTestServer, userWithKey, type Credentials, type TestServer } from './support/server.ts';

describe('sp3: jobs run, apply and plan say the request id of a failure of the server, or of a refused document', () => {
  let s: TestServer;
  let bob: Credentials;
  let home: string;
  before(async () => {
    s = await startTestServer();
    bob = await userWithKey(s, 'sp3-bob');
    home = await mkdtemp(join(tmpdir(), 'sp3-'));
  });
  after(async () => {
    await s?.stop();
    if (home !== undefined) await rm(home, { recursive: true, force: true });
  });

  /** The audit records of request `id`: at least one. */
  const recordsOf = async (id: string): Promise<{ action: string; principal?: string }[]> => {
    const found = await gatehouseInProcess(['audit', 'query', '--request-id', id, '--json'], { GATEHOUSE_ENDPOINT: s.url, AWS_ACCESS_KEY_ID: s.admin.accessKeyId, AWS_SECRET_ACCESS_KEY: s.admin.secretAccessKey });
    assert.equal(found.code, 0, found.stderr);
    const rows = found.stdout.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as { action: string; principal?: string });
    assert.ok(rows.length > 0, `no audit record of request ${id}`);
    return rows;
  };
  const run = (endpoint: string, who: Credentials) =>
    gatehouseInProcess(['jobs', 'run', '--workspace', 'sp3-ws', '--', 'true'], { HOME: home, PATH: process.env['PATH'] ?? '/usr/bin:/bin', GATEHOUSE_ENDPOINT: endpoint, AWS_ACCESS_KEY_ID: who.accessKeyId, AWS_SECRET_ACCESS_KEY: who.secretAccessKey, AWS_MAX_ATTEMPTS: '1' }, { cwd: home });

  it('a refused submission: the platform\'s one line, as before', async () => {
    const r = await run(s.url, bob);
    assert.equal(r.code, 9, r.stderr);
    assert.match(r.stderr, /^check permission for sub user failed: [^\n]*\n$/);
  });

  it('apply and plan refused a document: the errors at their places, then the id of the refusal', async () => {
    await writeFile(join(home, 'sp3.yaml'), 'apiVersion: gatehouse.dev/v1\nkind: User\nmetadata: {name: sp3-user}\nspec: {}\n');
    for (const command of ['apply', 'plan']) {
      const r = await gatehouseInProcess([command, '-f', 'sp3.yaml'], { HOME: home, GATEHOUSE_ENDPOINT: s.url, AWS_ACCESS_KEY_ID: bob.accessKeyId, AWS_SECRET_ACCESS_KEY: bob.secretAccessKey }, { cwd: home });
      assert.equal(r.code, 9, r.stderr);
      assert.match(r.stderr, /^sp3\.yaml:1:1: document 1 \(User sp3-user\): User: arn:aws:iam::000000000000:user\/sp3-bob is not authorized/);
      assert.match(r.stderr, new RegExp(`^gatehouse ${command}: \\d+ errors?; nothing was changed$`, 'm'));
      // Before: the errors and the summary alone.
      const id = /^gatehouse: request id ([0-9a-f-]{36}) /m.exec(r.stderr)?.[1];
      assert.ok(id !== undefined, `${command}: no request id in: ${r.stderr}`);
      assert.ok((await recordsOf(id)).every((x) => x.principal === 'arn:aws:iam::000000000000:user/sp3-bob'), id);
    }
  });

  it('a failure of the server\'s own (500): its message, then the id its log names', async () => {
    const ID = '0f3c2a1e-5b7d-4c9e-8a6f-3d2e1c0b9a87';
    const stand: Server = createServer((req, res) => {
      req.resume();
      const body = JSON.stringify({ error: { code: 'InternalFailure', message: `internal error (request ${ID})`, gatehouseCode: 'INTERNAL_ERROR' } });
      res.writeHead(500, { 'content-type': 'application/json', 'x-amzn-requestid': ID, 'content-length': Buffer.byteLength(body) });
      res.end(body);
    });
    await new Promise<void>((resolve) => stand.listen(0, '127.0.0.1', resolve));
    try {
      const address = stand.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      const r = await run(`http://127.0.0.1:${port}`, bob);
      assert.equal(r.code, 70, r.stderr);
      assert.match(r.stderr, /^internal error \(request /);
      assert.match(r.stderr, new RegExp(`^gatehouse: request id ${ID} \\(the server's log names it`, 'm'));
    } finally {
      await new Promise((resolve) => stand.close(resolve));
    }
  });
});
