/**
 * Review re, 1: a node agent (relay.ts) holding nothing for a job, whose server accepts connections and never answers
 * (a hung server, a load balancer holding the connection), kept every request of the job's SDKs waiting for its
 * upstream timeout (5 s). The AWS SDK v3 and botocore give a container-credentials request 1 s: they gave up with
 * "TimeoutError from instance metadata service" and never saw the agent's 503 saying why, and each retry waited as
 * long again. Now a request the server has not answered within `firstAnswerWaitMs` (default 800 ms, inside the SDKs'
 * 1 s) is answered 503 saying the server has not answered yet, while the agent goes on asking it behind: a retry
 * meanwhile joins that one request instead of sending another.
 *
 * A real node agent (createRelay, default timeouts) in front of a TCP listener that accepts and never replies, and the
 * real AWS SDK v3 container provider (fromContainerMetadata, its default 1 s timeout).
 *
 * Before the fix 2 of 2 tests failed (the SDK timed out; the retry timed out too).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { request } from 'node:http';
import { fromContainerMetadata } from '@aws-sdk/credential-providers';
import { createRelay, type Relay } from '../src/adapters/agent/relay.ts';

let silent: Server;
const held: Socket[] = [];
let relay: Relay;
let agentUrl: string;

before(async () => {
  silent = createServer((s) => {
    held.push(s);
    s.on('error', () => {});
  });
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
  const at = silent.address();
  assert.ok(typeof at === 'object' && at !== null);
  relay = createRelay({ upstream: `http://127.0.0.1:${at.port}` });
  agentUrl = `http://127.0.0.1:${(await relay.listen('127.0.0.1', 0)).port}`;
});
after(async () => {
  for (const s of held) s.destroy();
  await relay.close();
  await new Promise<void>((r) => silent.close(() => r()));
});

test('the AWS SDK v3 gets the agent\'s 503 within its 1 s, not a timeout', async () => {
  const previous = { uri: process.env['AWS_CONTAINER_CREDENTIALS_FULL_URI'], token: process.env['AWS_CONTAINER_AUTHORIZATION_TOKEN'] };
  process.env['AWS_CONTAINER_CREDENTIALS_FULL_URI'] = `${agentUrl}/v1/container-credentials`;
  process.env['AWS_CONTAINER_AUTHORIZATION_TOKEN'] = 'cap-re1-sdk-0123456789abcdef';
  try {
    const e = await fromContainerMetadata()().then(() => assert.fail('credentials from a server that never answers'), (err: unknown) => err as Error & { statusCode?: number });
    assert.equal(e.statusCode, 503, `the SDK saw: ${e.message}`);
  } finally {
    for (const [k, v] of [['AWS_CONTAINER_CREDENTIALS_FULL_URI', previous.uri], ['AWS_CONTAINER_AUTHORIZATION_TOKEN', previous.token]] as const) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
});

/** A container-credentials request with the SDKs' 1 s: the status and body, or `timeout`. */
function ask(capability: string): Promise<{ status: number; body: string } | 'timeout'> {
  return new Promise((resolve, reject) => {
    const req = request(`${agentUrl}/v1/container-credentials`, { headers: { authorization: capability }, timeout: 1000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => {
      req.destroy();
      resolve('timeout');
    });
    req.on('error', (e) => (req.destroyed ? undefined : reject(e)));
    req.end();
  });
}

test('the answer says the server has not answered, and a retry joins the request already sent', async () => {
  const before = held.length;
  const first = await ask('cap-re1-retry-0123456789abcdef');
  if (first === 'timeout') assert.fail('the agent did not answer within 1 s');
  assert.equal(first.status, 503);
  const message = (JSON.parse(first.body) as { Message: string }).Message;
  assert.match(message, /has not answered/);
  assert.match(message, /127\.0\.0\.1/);
  const retry = await ask('cap-re1-retry-0123456789abcdef');
  if (retry === 'timeout') assert.fail('the retry was not answered within 1 s');
  assert.equal(retry.status, 503);
  assert.equal(held.length - before, 1, 'one request to the server for both asks');
});
