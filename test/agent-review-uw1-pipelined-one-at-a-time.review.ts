/**
 * Review uw, 1: Node starts a request's handler as soon as its head is read, so the requests a client pipelined on one
 * connection to a job's credential port (the server's `--agent-listen`, a node agent's port) ran at once, as `--listen`'s
 * did until review uq, 2: a launcher's end pipelined behind a request whose answer closes the connection (a refused
 * Host) was carried out and never answered, the job ended and its sessions revoked unheard of (RFC 9112 §9.6: "MUST
 * NOT process any further requests"), and a credentials read pipelined behind the end was decided before the end was
 * made (the ended job's session served, after the end's 200). A connection's requests are now started one at a time,
 * each once the answers before it are sent, and none behind an answer that closes it.
 *
 * A real server and the real node agent (relay) in front of it, raw requests on one socket.
 *
 * Before the fix 3 of 4 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { call } from '../src/adapters/cli/client.ts';
import { createRelay, type Relay } from '../src/adapters/agent/relay.ts';
import { submitJob } from './support/processes.ts';
import { rawAnswer, splitAnswers } from './support/raw-answer.ts';
import { startTestServer, type TestServer } from './support/server.ts';

let s: TestServer;
let relay: Relay;
let relayPort: number;

before(async () => {
  s = await startTestServer();
  relay = createRelay({ upstream: s.running.agentUrl, log: () => {} });
  relayPort = (await relay.listen('127.0.0.1', 0)).port;
});
after(async () => {
  await relay?.close();
  await s?.stop();
});

const portOf = (url: string): number => Number(new URL(url).port);

/** A launcher's end of its job (`{"exitCode": 0}`) as raw text, with `extra` header lines. */
function endText(host: string, capability: string, extra = ''): string {
  const body = '{"exitCode":0}';
  return `POST /v1/launcher/end HTTP/1.1\r\nHost: ${host}\r\nAuthorization: ${capability}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n${extra}\r\n${body}`;
}

const REFUSED_HOST = 'GET /healthz HTTP/1.1\r\nHost: a b\r\n\r\n';

async function stateOf(job: { conn: Parameters<typeof call>[0]; id: string }): Promise<string> {
  const got = await call<{ state: string }>(job.conn, 'GET', ['jobs', job.id]);
  assert.ok(got.ok, JSON.stringify(got));
  return got.value.state;
}

describe('review uw1: a credential port serves pipelined requests one at a time, none behind an answer that closes', () => {
  it("the server's port: a launcher's end pipelined behind a refused Host is not carried out", async () => {
    const job = await submitJob(s.url, s.admin);
    const u = new URL(job.upstream);
    const answers = splitAnswers(await rawAnswer(portOf(job.upstream), REFUSED_HOST + endText(u.host, job.capability, 'Connection: close\r\n')));
    assert.deepEqual(answers.map((a) => a.status), [400]);
    assert.notEqual(await stateOf(job), 'Succeeded', 'the end pipelined behind the refused request ended the job, unanswered');
  });

  it("the node agent's port: a launcher's end pipelined behind a refused Host is not passed on", async () => {
    const job = await submitJob(s.url, s.admin);
    const answers = splitAnswers(await rawAnswer(relayPort, REFUSED_HOST + endText(`127.0.0.1:${relayPort}`, job.capability, 'Connection: close\r\n')));
    assert.deepEqual(answers.map((a) => a.status), [400]);
    assert.notEqual(await stateOf(job), 'Succeeded', 'the end pipelined behind the refused request ended the job, unanswered');
  });

  it("the server's port: a credentials read pipelined behind the job's end sees the end", async () => {
    const job = await submitJob(s.url, s.admin);
    const u = new URL(job.upstream);
    // The job's first session issued before, as a job's processes read it while it runs.
    const first = await fetch(`${job.upstream}/v1/container-credentials`, { headers: { authorization: job.capability } });
    assert.equal(first.status, 200);
    const read = `GET /v1/container-credentials HTTP/1.1\r\nHost: ${u.host}\r\nAuthorization: ${job.capability}\r\nConnection: close\r\n\r\n`;
    const answers = splitAnswers(await rawAnswer(portOf(job.upstream), endText(u.host, job.capability) + read));
    assert.deepEqual(answers.map((a) => a.status), [200, 410], answers.map((a) => a.body.slice(0, 200)).join('\n'));
    assert.doesNotMatch(answers[1]?.body ?? '', /SecretAccessKey/);
  });

  it('every answer of many pipelined requests comes, in order and whole', async () => {
    const job = await submitJob(s.url, s.admin);
    for (const port of [portOf(job.upstream), relayPort]) {
      const host = `127.0.0.1:${port}`;
      const parts: string[] = [];
      const expected: number[] = [];
      for (let i = 0; i < 10; i++) {
        parts.push(`GET /healthz HTTP/1.1\r\nHost: ${host}\r\n\r\n`, `GET /v1/container-credentials HTTP/1.1\r\nHost: ${host}\r\nAuthorization: ${job.capability}\r\n\r\n`, `GET /v1/nothing-${i} HTTP/1.1\r\nHost: ${host}\r\n\r\n`);
        expected.push(200, 200, 404);
      }
      parts.push(`GET /healthz HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
      expected.push(200);
      const answers = splitAnswers(await rawAnswer(port, parts.join('')));
      assert.deepEqual(answers.map((a) => a.status), expected);
      for (let i = 0; i < 10; i++) assert.match(answers[3 * i + 2]?.body ?? '', new RegExp(`no route for GET /v1/nothing-${i}\\b`));
    }
  });
});
