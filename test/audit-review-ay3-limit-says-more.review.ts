/**
 * Review ay, 3 (medium): `gatehouse audit query` stops at `--limit` (100 by default) and said nothing when more
 * records matched: `audit query --json > export.jsonl` exported the oldest 100 records of the log, exit 0, with no
 * sign that it was cut (the aws CLI pages through a whole CloudTrail lookup unless told otherwise). Nor was there a
 * way to go on from where it stopped: the API's cursor (`after`) had no option, so an export of more than
 * `--limit`'s 1,000,000 records, or one resumed after a failure, or a `--follow` restarted by a log shipper, could
 * only guess with `--since` times. Now a query cut at `--limit` while more records match says so on stderr, with the
 * cursor to go on from (`--after SEQ`); `--after` starts after that record, and with `--follow` prints everything
 * after it before following, so a restarted follow neither misses nor repeats a record.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { CreateUserCommand } from '@aws-sdk/client-iam';
import { GATEHOUSE_BIN } from './support/processes.ts';
import { cliAgainst, startTestServer, type TestServer } from './support/server.ts';

const seqsOf = (out: string): number[] => out.split('\n').filter((l) => l !== '').map((l) => (JSON.parse(l) as { seq: number }).seq);

describe('review ay3: audit query says when --limit cut it, and goes on with --after', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
    for (let i = 0; i < 5; i++) await s.iam().send(new CreateUserCommand({ UserName: `ay3-${i}` }));
    await s.running.app.audit.flush();
  });
  after(async () => s?.stop());

  it('cut at --limit: said on stderr with the cursor; --after goes on from it, to the end, which says nothing', async () => {
    const all = seqsOf((await cliAgainst(s, ['audit', 'query', '--json', '--action', 'iam:CreateUser'])).out);
    assert.equal(all.length, 5);
    const first = await cliAgainst(s, ['audit', 'query', '--json', '--action', 'iam:CreateUser', '--limit', '2']);
    assert.equal(first.status, 0, first.err);
    assert.deepEqual(seqsOf(first.out), all.slice(0, 2));
    assert.match(first.err, new RegExp(`more records match: go on with --after ${all[1]}`), first.err);
    const rest = await cliAgainst(s, ['audit', 'query', '--json', '--action', 'iam:CreateUser', '--after', String(all[1])]);
    assert.equal(rest.status, 0, rest.err);
    assert.deepEqual(seqsOf(rest.out), all.slice(2));
    assert.equal(rest.err, '', 'the end of the log: nothing more to say');
    // A page that ends exactly at the last match says nothing either.
    const exact = await cliAgainst(s, ['audit', 'query', '--json', '--action', 'iam:CreateUser', '--limit', '5']);
    assert.equal(exact.err, '');
  });

  it('--after is a record number; with --last it is refused', async () => {
    for (const bad of ['-1', '1e3', 'x']) {
      const r = await cliAgainst(s, ['audit', 'query', '--after', bad]);
      assert.equal(r.status, 2, `${bad}: ${r.err}`);
      assert.match(r.err, /--after/);
    }
    const both = await cliAgainst(s, ['audit', 'query', '--after', '1', '--last', '2']);
    assert.equal(both.status, 2, both.err);
  });

  it('--follow --after prints every record after it, then new ones', async () => {
    const all = seqsOf((await cliAgainst(s, ['audit', 'query', '--json', '--limit', '1000'])).out);
    const from = all[1] as number;
    const child = spawn(process.execPath, [GATEHOUSE_BIN, 'audit', 'query', '--follow', '--json', '--after', String(from), '--limit', '1', '--interval', '100'], {
      env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: s.dataDir, AWS_ACCESS_KEY_ID: s.admin.accessKeyId, AWS_SECRET_ACCESS_KEY: s.admin.secretAccessKey, GATEHOUSE_ENDPOINT: s.url },
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => void (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => void (err += c.toString()));
    try {
      await s.iam().send(new CreateUserCommand({ UserName: 'ay3-new' }));
      await s.running.app.audit.flush();
      const newest = seqsOf((await cliAgainst(s, ['audit', 'query', '--json', '--last', '1'])).out)[0] as number;
      const end = Date.now() + 10_000;
      while (!(seqsOf(out.slice(0, out.lastIndexOf('\n') + 1)).at(-1) === newest) && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
      const got = seqsOf(out.slice(0, out.lastIndexOf('\n') + 1));
      assert.deepEqual(got, Array.from({ length: newest - from }, (_, i) => from + 1 + i), err);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
