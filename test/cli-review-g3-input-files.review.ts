/**
 * Input files that are not UTF-8, or far too large (review cli, G3). A Latin-1 `é` was decoded to U+FFFD and the
 * error blamed the document (`character U+FFFD is not allowed in a policy document`, the server's `Description
 * contains characters outside the allowed range`), never the file's encoding; `/dev/zero` (or a disk image given by
 * mistake) was read into memory until V8's string limit (`Invalid string length`, half a gigabyte later). Now
 * both are refused as unreadable input (exit 5) before anything is sent, saying where the first bad byte is, or
 * that the file is over 16 MiB. The CLI's program in this process (test/support/gatehouse-cli.ts: the executable's file
 * readers), offline and against a real server on 127.0.0.1.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetRolePolicyCommand } from '@aws-sdk/client-iam';
import { gatehouseInProcess } from './support/gatehouse-cli.ts';
import { errorName, startTestServer, type TestServer } from './support/server.ts';

const TRUST = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::000000000000:root' }, Action: 'sts:AssumeRole' }] };

describe('input files that are not UTF-8 or are huge', () => {
  let s: TestServer;
  let dir: string;
  const gatehouse = (args: readonly string[]) =>
    gatehouseInProcess(args, { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: dir, AWS_ACCESS_KEY_ID: s.admin.accessKeyId, AWS_SECRET_ACCESS_KEY: s.admin.secretAccessKey, GATEHOUSE_ENDPOINT: s.url });

  before(async () => {
    s = await startTestServer();
    dir = await mkdtemp(join(tmpdir(), 'gh-cli-g3-'));
    const latin1 = Buffer.from('{"Version":"2012-10-17","Statement":[{"Sid":"x","Effect":"Allow","Action":"s3:GetObject",\n"Resource":"arn:aws:s3:::caf\xe9/*"}]}', 'latin1');
    await writeFile(join(dir, 'latin1.json'), latin1);
    await writeFile(join(dir, 'trust.json'), JSON.stringify(TRUST));
    const created = await gatehouse(['iam', 'roles', 'create', 'r', '--trust-policy', join(dir, 'trust.json')]);
    assert.equal(created.code, 0, created.stderr);
  });
  after(async () => {
    await s?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('a Latin-1 file is refused as not UTF-8 (exit 5), offline and before anything is sent', async () => {
    const file = join(dir, 'latin1.json');
    const offline = await gatehouse(['policy', 'validate', file]);
    assert.equal(offline.code, 5, offline.stderr);
    assert.equal(offline.stderr, `gatehouse: cannot read \`${file}\`: the file is not UTF-8 text (byte 0xe9 at line 2, column 29); convert it, e.g. iconv -f latin1 -t utf-8\n`);
    const put = await gatehouse(['iam', 'put-inline', 'p', '--role', 'r', '--document', file]);
    assert.equal(put.code, 5, put.stderr);
    assert.match(put.stderr, /is not UTF-8 text \(byte 0xe9 at line 2, column 29\)/);
    assert.equal(await errorName(s.iam().send(new GetRolePolicyCommand({ RoleName: 'r', PolicyName: 'p' }))), 'NoSuchEntityException', 'nothing was stored');
  });

  it('/dev/zero is refused after 16 MiB, at once, instead of read into memory', async () => {
    const started = Date.now();
    const r = await gatehouse(['policy', 'validate', '/dev/zero']);
    assert.equal(r.code, 5, r.stderr);
    assert.equal(r.stderr, 'gatehouse: cannot read `/dev/zero`: larger than 16 MiB, more than any input of gatehouse may be; check the path\n');
    assert.ok(Date.now() - started < 10_000);
  });
});
