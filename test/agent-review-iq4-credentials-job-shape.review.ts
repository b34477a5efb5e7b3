/**
 * Review iq, 4: `gatehouse credentials --job` (README: "Tools that read AWS profiles get the job's credentials with
 * `credential_process = gatehouse credentials --job`") printed whatever its container endpoint's 200 held, in the
 * credential_process shape, and exited 0. An answer that is not a credentials document (`{}` from a health check, a
 * JSON 200 of another service, a document without its `Token` or `Expiration`) came out as `{"Version":1}` or with
 * keys missing, exit 0, and the tool reading the profile failed with its own words ("credential_process returned
 * invalid credentials"), with nothing saying that the endpoint's answer was the problem; a document without a session
 * token would even be taken by botocore as long-term keys. The rank's gatehouse CLI (client.ts `jobSession`) already
 * refuses such an answer. Now `credentials --job` checks the four fields the container endpoint serves and, when one is
 * missing, prints nothing on stdout and exits 10 (unavailable) saying which fields are missing.
 *
 * An HTTP server on 127.0.0.1 answering 200 with documents of the wrong shape, the CLI in process, and the AWS SDK
 * v3's `fromProcess` running the real `gatehouse` for the same answer. Before the fix 2 of 2 tests failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fromProcess } from '@aws-sdk/credential-providers';
import { gatehouseInProcess } from './support/gatehouse-cli.ts';

let server: Server;
let url: string;
let home: string;
let answer = '{}';

before(async () => {
  server = createServer((req, res) => {
    req.resume();
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(answer);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as { port: number }).port}/v1/container-credentials`;
  home = await mkdtemp(join(tmpdir(), 'gh-agent-review-iq4-'));
});
after(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  await rm(home, { recursive: true, force: true });
});

const jobEnv = (): Record<string, string> => ({ PATH: process.env['PATH'] ?? '', HOME: home, GATEHOUSE_JOB_ID: 'iq4', AWS_CONTAINER_CREDENTIALS_FULL_URI: url, AWS_CONTAINER_AUTHORIZATION_TOKEN: 'c'.repeat(43) });

test('iq4: a 200 that is not a credentials document prints nothing and exits 10 naming what is missing', async () => {
  for (const [doc, missing] of [
    ['{}', 'AccessKeyId, SecretAccessKey, Token, Expiration'],
    ['{"status":"ok"}', 'AccessKeyId, SecretAccessKey, Token, Expiration'],
    ['[]', 'AccessKeyId, SecretAccessKey, Token, Expiration'],
    [JSON.stringify({ AccessKeyId: 'ASIAX', SecretAccessKey: 's', Expiration: '2030-01-01T00:00:00Z' }), 'Token'],
  ] as const) {
    answer = doc;
    const r = await gatehouseInProcess(['credentials', '--job'], jobEnv());
    assert.equal(r.stdout, '', `nothing on stdout for ${doc}: ${r.stdout}`);
    assert.equal(r.code, 10, `${doc}: ${r.stderr}`);
    assert.match(r.stderr, new RegExp(`answered 200 without ${missing}`), r.stderr);
  }
  answer = JSON.stringify({ Code: 'Success', AccessKeyId: 'ASIAX', SecretAccessKey: 's', Token: 't', Expiration: '2030-01-01T00:00:00Z' });
  const good = await gatehouseInProcess(['credentials', '--job'], jobEnv());
  assert.equal(good.code, 0, good.stderr);
  assert.deepEqual(JSON.parse(good.stdout), { Version: 1, AccessKeyId: 'ASIAX', SecretAccessKey: 's', SessionToken: 't', Expiration: '2030-01-01T00:00:00Z' });
});

test('iq4: as a credential_process, the SDK is told why (the endpoint’s answer), not only that the output is invalid', async () => {
  answer = JSON.stringify({ AccessKeyId: 'ASIAX', SecretAccessKey: 's' });
  const bin = join(process.cwd(), 'bin', 'gatehouse.js');
  const config = join(home, 'config');
  await writeFile(config, `[profile job]\ncredential_process = ${process.execPath} ${bin} credentials --job\n`);
  const saved = { ...process.env };
  Object.assign(process.env, jobEnv(), { AWS_CONFIG_FILE: config, AWS_SHARED_CREDENTIALS_FILE: join(home, 'none') });
  try {
    await assert.rejects(fromProcess({ profile: 'job', ignoreCache: true })(), (e: Error) => /answered 200 without Token, Expiration/.test(e.message));
  } finally {
    for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
    Object.assign(process.env, saved);
  }
});
