/**
 * Review `df` (the documentation a new user reads, checked against the product), 2: docs/errors.md against what the
 * CLI and the server answer.
 *
 * - "Codes the CLI itself reports" listed five of them; the ones a first run meets most were not there:
 *   `NoCredentials` (no key in the environment and no admin-credentials.json in --data-dir: exit 9; the file not JSON
 *   or without its keys: exit 8), `PartialCredentials` (one of AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY: exit 2),
 *   `InvalidEndpoint` (--endpoint not an http(s) URL: exit 2), `ConnectionFailed` (the server not reached: exit 10),
 *   and `ConnectionLost` (exit 10). Each is now listed with its status, which this test checks by running the CLI into
 *   the condition.
 * - `INVALID_INPUT` said that CreatePolicy with Tags is refused ("managed policies carry no tags"), while the IAM API
 *   takes them (as AWS does since 2020) and `apply`'s `Policy` has `tags`: a reader would tag policies by hand
 *   afterwards, or not at all.
 * - The Kubernetes webhooks' list named 405 twice.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as I from '@aws-sdk/client-iam';
import { runCli } from '../src/adapters/cli/program.ts';
import { EXIT } from '../src/adapters/cli/exit-codes.ts';
import { startTestServer, type TestServer } from './support/server.ts';

const doc = await readFile(new URL('../docs/errors.md', import.meta.url), 'utf8');
const work = await mkdtemp(join(tmpdir(), 'gatehouse-df2-'));
let s: TestServer;

before(async () => {
  s = await startTestServer();
});

after(async () => {
  await s?.stop();
  await rm(work, { recursive: true, force: true });
});

async function cli(args: string[], env: Record<string, string>): Promise<{ status: number; err: string }> {
  let err = '';
  const status = await runCli(args, {
    out: () => undefined,
    err: (t) => void (err += t),
    readFile: (path) => readFile(path, 'utf8'),
    now: () => Date.now(),
    version: 'test',
    env: { HOME: work, ...env },
  });
  return { status, err };
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

/** The doc names the code with the exit status the CLI gave: "`Code` (exit N" or "`Code` … (exit N". */
function documented(code: string, status: number): void {
  const places = [...doc.matchAll(new RegExp(`\`${code}\``, 'g'))].map((m) => doc.slice(m.index, m.index + 400));
  assert.ok(places.length > 0, `docs/errors.md does not name the CLI's \`${code}\``);
  assert.ok(
    places.some((near) => new RegExp(`^\`${code}\` \\(exit ${status}\\)|^\`${code}\`[^|]{0,300}\\(exit ${status}\\)`).test(near)),
    `docs/errors.md: \`${code}\` is exit ${status}; the text by it says ${places.map((p) => p.slice(0, 120)).join(' / ')}`,
  );
}

test('df2: the codes a first run of the CLI meets are in docs/errors.md, with the status it exits with', async () => {
  const key = { AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE', AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' };
  const cases: { code: string; args: string[]; env: Record<string, string> }[] = [
    { code: 'NoCredentials', args: ['iam', 'users', 'list', '--data-dir', join(work, 'none')], env: {} },
    { code: 'PartialCredentials', args: ['iam', 'users', 'list'], env: { AWS_ACCESS_KEY_ID: key.AWS_ACCESS_KEY_ID } },
    { code: 'InvalidEndpoint', args: ['iam', 'users', 'list', '--endpoint', 'ftp://127.0.0.1:8470'], env: key },
    { code: 'ConnectionFailed', args: ['iam', 'users', 'list', '--endpoint', `http://127.0.0.1:${await closedPort()}`], env: { ...key, AWS_MAX_ATTEMPTS: '1' } },
  ];
  for (const c of cases) {
    const r = await cli(c.args, c.env);
    assert.match(r.err, new RegExp(`^gatehouse: ${c.code}: `), `${c.code}: ${r.err}`);
    documented(c.code, r.status);
  }
  // The data dir's file, present but not what it must be.
  await writeFile(join(work, 'admin-credentials.json'), '{"AccessKeyId": ');
  const bad = await cli(['iam', 'users', 'list', '--data-dir', work], {});
  assert.match(bad.err, /^gatehouse: NoCredentials: .*is not JSON/);
  assert.equal(bad.status, EXIT.invalidInput);
  assert.match(doc, /`NoCredentials`[^|]*not JSON[^|]*exit 8/, 'docs/errors.md: a credentials file that is not JSON is exit 8');
  // Lost after sending a read whose work may still run (a heavy read): not sent again, exit 10.
  documented('ConnectionLost', EXIT.unavailable);
});

test('df2: CreatePolicy takes Tags, as docs/errors.md now says (INVALID_INPUT no longer claims it refused)', async () => {
  const created = await s.iam().send(
    new I.CreatePolicyCommand({
      PolicyName: 'tagged',
      PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }] }),
      Tags: [{ Key: 'team', Value: 'vision' }],
    }),
  );
  assert.deepEqual(created.Policy?.Tags, [{ Key: 'team', Value: 'vision' }]);
  const row = doc.split('\n').find((l) => l.startsWith('| `INVALID_INPUT`'));
  assert.ok(row);
  assert.doesNotMatch(row, /CreatePolicy with Tags|carry no tags/);
});

test('df2: the Kubernetes webhooks list each status once', () => {
  const at = doc.indexOf('The Kubernetes webhooks');
  const list = doc.slice(at, doc.indexOf('\n### ', at));
  const statuses = [...list.matchAll(/^- \*\*(\d{3})/gm)].map((m) => m[1]);
  assert.deepEqual(statuses, [...new Set(statuses)], `the list names ${statuses.join(', ')}`);
});
