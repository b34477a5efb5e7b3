/**
 * Review uq, 3: bytes after a request that says `Connection: close` (a client that pipelines past it, a stray CRLF and
 * more after a body) are an error to Node's parser (`HPE_CLOSED_CONNECTION`), which every port's `clientError`
 * listener took for a broken request and destroyed the connection on: the request's own answer, not begun (a handler
 * awaiting the store, the health port's readiness) became a bare `400 Bad Request`, and one held to the end of the turn
 * (`--listen`'s /healthz) was lost, the connection closed with nothing. RFC 9112 §9.6: the server answers that request,
 * ignores what follows, then closes. Now every port (`--listen`, `--health-listen`, the S3 gateway, the agent's)
 * answers it whole and closes (the agent's answers that one synchronously, so it was answered before too).
 *
 * Before the fix 3 of 4 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { migratedDataDir } from './support/migrated-data-dir.ts';
import { serverInProcess, type InProcessServer } from './support/server-in-process.ts';
import { rawAnswer, splitAnswers } from './support/raw-answer.ts';

let server: InProcessServer;
let dataDir: string;

before(async () => {
  dataDir = await migratedDataDir('gh-uq3-');
  server = await serverInProcess({ dataDir, env: { GATEHOUSE_HEALTH_LISTEN: '127.0.0.1:0' }, s3Listen: '127.0.0.1:0' });
});

after(async () => {
  await server?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

/** What `path` on `url`'s port is answered when a request follows it on the connection after its `Connection: close`. */
async function closedThenMore(url: string, path: string): Promise<Array<{ status: number; head: string; body: string }>> {
  const u = new URL(url);
  const close = `GET ${path} HTTP/1.1\r\nHost: ${u.host}\r\nConnection: close\r\n\r\n`;
  return splitAnswers(await rawAnswer(Number(u.port), `${close}GET ${path} HTTP/1.1\r\nHost: ${u.host}\r\n\r\n`));
}

const whole = (a: { head: string; body: string } | undefined): void => {
  assert.ok(a !== undefined);
  const length = /content-length: (\d+)/i.exec(a.head);
  assert.ok(length !== null, a.head);
  assert.equal(Buffer.byteLength(a.body, 'latin1'), Number(length[1]), a.head);
};

describe('review uq3: the request that said Connection: close is answered whole, what follows it ignored', () => {
  it('--listen: a probe held to the end of the turn, and a /v1/ call', async () => {
    const probe = await closedThenMore(server.url, '/healthz');
    assert.deepEqual(probe.map((a) => [a.status, a.body]), [[200, 'ok\n']]);
    const v1 = await closedThenMore(server.url, '/v1/whoami');
    assert.deepEqual(v1.map((a) => a.status), [403]);
    whole(v1[0]);
    assert.match(v1[0]?.body ?? '', /MissingAuthenticationToken/);
  });

  it('--health-listen: /readyz', async () => {
    const ready = await closedThenMore(server.running.healthUrl ?? '', '/readyz');
    assert.deepEqual(ready.map((a) => [a.status, a.body]), [[200, 'ready\n']]);
  });

  it('the S3 gateway', async () => {
    const s3 = await closedThenMore(server.running.s3Url, '/');
    assert.deepEqual(s3.map((a) => a.status), [403]);
    whole(s3[0]);
    assert.match(s3[0]?.body ?? '', /<Code>AccessDenied<\/Code>/);
  });

  it("the agent's port", async () => {
    const agent = await closedThenMore(server.running.agentUrl, '/latest/meta-data/iam/security-credentials/');
    assert.equal(agent.length, 1);
    assert.notEqual(agent[0]?.status, 400, agent[0]?.head);
    whole(agent[0]);
  });
});
