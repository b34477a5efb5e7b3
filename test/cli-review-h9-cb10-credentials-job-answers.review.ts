/**
 * Review cb, finding 10 (left by review cf). `gatehouse credentials --job` (a job's credential_process) read its
 * endpoint's answer as JSON before looking at it: an answer that is not JSON (a proxy's error page) was said to be an
 * endpoint that "cannot be reached", and every refusal but 404/410 exited 9 (not allowed), a 503 (the agent cannot
 * reach the server: try again) included. Now a 5xx exits 10 and says to try again, 401/403 exit 9, 404/410 exit 6,
 * and a body that is not JSON is said to be one. A stand-in endpoint on loopback; the CLI in process.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { runCli } from '../src/adapters/cli/program.ts';

let stand: Server;
let base = '';
let answer: { status: number; type: string; body: string } = { status: 200, type: 'application/json', body: '{}' };

before(async () => {
  stand = createServer((req, res) => {
    req.resume();
    res.writeHead(answer.status, { 'content-type': answer.type });
    res.end(answer.body);
  });
  await new Promise<void>((r) => stand.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(stand.address() as { port: number }).port}`;
});
after(() => {
  stand.closeAllConnections();
  stand.close();
});

async function credentialsJob(): Promise<{ status: number; err: string; out: string }> {
  let err = '';
  let out = '';
  const status = await runCli(['credentials', '--job'], {
    out: (t) => void (out += t),
    err: (t) => void (err += t),
    readFile: async () => {
      throw Object.assign(new Error('no file'), { code: 'ENOENT' });
    },
    now: () => Date.now(),
    version: 'test',
    env: { AWS_CONTAINER_CREDENTIALS_FULL_URI: `${base}/v1/credentials/x`, AWS_CONTAINER_AUTHORIZATION_TOKEN: 't'.repeat(43) },
  });
  return { status, err, out };
}

describe('credentials --job tells each answer of its endpoint by what it says', () => {
  it('503: unavailable (10), try again', async () => {
    answer = { status: 503, type: 'application/json', body: JSON.stringify({ Code: 'Unavailable', Message: 'the Gatehouse server cannot be reached' }) };
    const r = await credentialsJob();
    // Before the fix: 9, as if not allowed.
    assert.equal(r.status, 10, r.err);
    assert.match(r.err, /answered 503: the Gatehouse server cannot be reached \(try again in a while\)/);
  });

  it('403: not allowed (9); 410: not found (6)', async () => {
    answer = { status: 403, type: 'application/json', body: JSON.stringify({ Code: 'AccessDenied', Message: 'wrong token' }) };
    assert.equal((await credentialsJob()).status, 9);
    answer = { status: 410, type: 'application/json', body: JSON.stringify({ Code: 'Gone', Message: 'the job ended' }) };
    assert.equal((await credentialsJob()).status, 6);
  });

  it('a body that is not JSON is said to be one, not an endpoint that cannot be reached', async () => {
    answer = { status: 502, type: 'text/html', body: '<html><body>Bad Gateway</body></html>' };
    const r = await credentialsJob();
    assert.equal(r.status, 10, r.err);
    // Before the fix: "cannot reach the job's credential endpoint: Unexpected token '<'…".
    assert.match(r.err, /answered 502 with a body that is not JSON/);
    assert.doesNotMatch(r.err, /cannot reach/);
  });

  it('200: the credentials, as credential_process prints them', async () => {
    answer = { status: 200, type: 'application/json', body: JSON.stringify({ AccessKeyId: 'ASIAX', SecretAccessKey: 's', Token: 't', Expiration: '2030-01-01T00:00:00Z' }) };
    const r = await credentialsJob();
    assert.equal(r.status, 0, r.err);
    assert.deepEqual(JSON.parse(r.out), { Version: 1, AccessKeyId: 'ASIAX', SecretAccessKey: 's', SessionToken: 't', Expiration: '2030-01-01T00:00:00Z' });
  });
});
