/**
 * Review `df` (the documentation a new user reads, checked against the product), 3: docs/errors.md gives exit 11
 * (`OutcomeUnknown`) to "the connection was lost after a request that changes something had been sent", and §2 of the
 * README offers `gatehouse plan` as the command that changes nothing. But the CLI took every POST for a change: a
 * `plan` whose connection was lost said `OutcomeUnknown … it may or may not have been carried out` and `the apply may or
 * may not have been made`, exit 11, and so did the questions sent as POST (`authorize`, `simulate`, `who-can`,
 * `escalation-paths`), which were not tried again as a read is. A CI drift check (`plan --exit-code`) reported a
 * possible change to the directory. Now those are reads: a question cut off is tried again as a GET is
 * (`AWS_MAX_ATTEMPTS`) and then `ConnectionFailed`, exit 10; a `plan` cut off (a long walk of the directory, as
 * `audit verify` is) is not sent again and is `ConnectionLost`, exit 10, with nothing said about an apply.
 *
 * apply --help and docs/documents.md listed no exit 11 (nor 2) among apply's statuses; they do now.
 *
 * Against a server that reads each request whole and drops the connection unanswered; the CLI run in process.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../src/adapters/cli/program.ts';
import { EXIT } from '../src/adapters/cli/exit-codes.ts';

let server: Server;
let port: number;
let requests = 0;
const work = await mkdtemp(join(tmpdir(), 'gatehouse-df3-'));

before(async () => {
  server = createServer((socket) => {
    let got = '';
    socket.on('data', (d: Buffer) => {
      got += d.toString();
      const end = got.indexOf('\r\n\r\n');
      const length = Number(/content-length: (\d+)/i.exec(got)?.[1] ?? 0);
      if (end !== -1 && got.length >= end + 4 + length) {
        requests++;
        socket.destroy();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as { port: number }).port;
});

after(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await rm(work, { recursive: true, force: true });
});

async function cli(args: string[]): Promise<{ status: number; err: string }> {
  let err = '';
  const status = await runCli(args, {
    out: () => undefined,
    err: (t) => void (err += t),
    readFile: (path) => readFile(path, 'utf8'),
    readDir: async (path) => (await readdir(path, { withFileTypes: true })).map((e) => ({ name: e.name, directory: e.isDirectory() })),
    now: () => Date.now(),
    version: 'test',
    env: {
      AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
      AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
      GATEHOUSE_ENDPOINT: `http://127.0.0.1:${port}`,
      AWS_MAX_ATTEMPTS: '2',
    },
  });
  return { status, err };
}

test('df3: a plan whose connection is lost changed nothing: ConnectionLost, exit 10, sent once, no word of an apply', async () => {
  const file = join(work, 'user.yaml');
  await writeFile(file, 'apiVersion: gatehouse.dev/v1\nkind: User\nmetadata: {name: dave}\n');
  for (const args of [['plan', '-f', file], ['plan', '--exit-code', '-f', file]]) {
    const before = requests;
    const r = await cli(args);
    assert.equal(r.status, EXIT.unavailable, r.err);
    assert.match(r.err, /^gatehouse: ConnectionLost: /);
    assert.doesNotMatch(r.err, /OutcomeUnknown|may or may not have been (carried out|made)/);
    assert.equal(requests - before, 1, 'a plan cut off is not sent again (its walk may still run on the server)');
  }
});

test('df3: a question sent as POST and cut off is a read: tried again, then ConnectionFailed, exit 10', async () => {
  const questions = [
    ['authorize', '--principal', 'arn:aws:iam::000000000000:user/alice', '--action', 's3:GetObject', '--resource', 'arn:aws:s3:::b/k'],
    ['simulate', '--as', 'arn:aws:iam::000000000000:user/alice', '--action', 's3:GetObject', '--resource', 'arn:aws:s3:::b/k'],
    ['who-can', '--action', 's3:GetObject', '--resource', 'arn:aws:s3:::b/k'],
    ['escalation-paths', '--principal', 'arn:aws:iam::000000000000:user/alice'],
  ];
  for (const args of questions) {
    const before = requests;
    const r = await cli(args);
    assert.equal(r.status, EXIT.unavailable, `${args[0]}: ${r.err}`);
    assert.match(r.err, /^gatehouse: ConnectionFailed: /, args[0]);
    assert.doesNotMatch(r.err, /OutcomeUnknown|may or may not have been carried out/, args[0]);
    assert.equal(requests - before, 2, `${args[0]} is tried AWS_MAX_ATTEMPTS times, as a read`);
  }
});

test('df3: apply --help and docs/documents.md give apply its exit 11, and plan none', async () => {
  const help = async (command: string) => {
    let out = '';
    await runCli([command, '--help'], { out: (t) => void (out += t), err: (t) => void (out += t), readFile: (p) => readFile(p, 'utf8'), now: () => Date.now(), version: 'test', env: {} });
    return out;
  };
  assert.match(await help('apply'), /11 the connection was lost\s+once the apply was sent/);
  assert.doesNotMatch(await help('plan'), /\b11\b/);
  const doc = await readFile(new URL('../docs/documents.md', import.meta.url), 'utf8');
  assert.match(doc.slice(doc.indexOf('## Exit statuses')), /11 `apply` only/);
});
