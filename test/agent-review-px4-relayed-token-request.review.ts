/**
 * Review px, 4: the IMDSv2 token PUT of a job's metadata endpoint refused a request carrying `X-Forwarded-For`, as
 * EC2 does, so that a proxy or notebook server a job runs on the node does not hand tokens (and so the credentials) to
 * whoever reaches it. A proxy that marks what it relays with `Forwarded` (RFC 7239) or `Via` (RFC 9110 §7.6.3) instead,
 * as many do, got a token; the tokenless Alibaba `ram/` read had the same gap. Both now refuse any of the three (403,
 * naming the header); a plain SDK request (none of them) is served as before.
 *
 * Contract: docs/decisions.md "metadata port" bullets (the token PUT refuses a relayed request, as EC2 does; the
 * tokenless Alibaba read too), now naming Forwarded and Via; AWS EC2 User Guide, "Use IMDSv2" (a PUT with
 * X-Forwarded-For is refused so that a misconfigured proxy cannot hand out tokens); RFC 7239, RFC 9110 §7.6.3.
 *
 * Before the fix 2 of 3 tests failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { call } from '../src/adapters/cli/client.ts';
import { connectionTo } from './support/processes.ts';
import { startTestServer, type TestServer } from './support/server.ts';

const run = promisify(execFile);
let s: TestServer;
let base: string;

before(async () => {
  s = await startTestServer();
  const conn = connectionTo(s.url, s.admin);
  assert.ok((await call(conn, 'PUT', ['workspaces', 'w'], { body: { members: [{ user: 'admin' }] } })).ok);
  const r = await call<{ environment: Record<string, string> }>(conn, 'POST', ['jobs'], { body: { workspace: 'w', role: 'default', launcherUid: process.getuid?.() ?? 0 } });
  assert.ok(r.ok, JSON.stringify(r));
  base = r.value.environment['AWS_EC2_METADATA_SERVICE_ENDPOINT'] ?? assert.fail('no metadata endpoint');
});
after(async () => {
  await s?.stop();
});

const curl = async (method: string, url: string, ...headers: string[]): Promise<{ status: number; body: string }> => {
  const { stdout } = await run('curl', ['-s', '--noproxy', '*', '-X', method, '-w', '\n%{http_code}', ...headers.flatMap((h) => ['-H', h]), url]);
  const at = stdout.lastIndexOf('\n');
  return { status: Number(stdout.slice(at + 1)), body: stdout.slice(0, at) };
};
const TTL = 'X-aws-ec2-metadata-token-ttl-seconds: 60';

test('px4: a token PUT relayed with Forwarded or Via is refused, as one with X-Forwarded-For is', async () => {
  for (const [header, name] of [['Forwarded: for=10.0.0.1;proto=http', 'Forwarded'], ['Via: 1.1 squid', 'Via'], ['X-Forwarded-For: 10.0.0.1', 'X-Forwarded-For']] as const) {
    const r = await curl('PUT', `${base}latest/api/token`, TTL, header);
    assert.deepEqual(r, { status: 403, body: `forbidden: a token request must not carry ${name}` }, header);
  }
});

test('px4: a tokenless Alibaba read relayed with Forwarded or Via is refused', async () => {
  for (const [header, name] of [['Forwarded: for=10.0.0.1', 'Forwarded'], ['Via: 1.1 proxy', 'Via']] as const) {
    const r = await curl('GET', `${base}latest/meta-data/ram/security-credentials/`, header);
    assert.deepEqual(r, { status: 403, body: `forbidden: a request without a token must not carry ${name}` }, header);
  }
});

test('px4: a direct token PUT still gets a token', async () => {
  const r = await curl('PUT', `${base}latest/api/token`, TTL);
  assert.equal(r.status, 200, r.body);
  assert.ok(r.body.length > 0);
});
