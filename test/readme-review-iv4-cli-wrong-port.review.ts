/**
 * Review `readme`, iv4: README "Run it" says an AWS tool pointed at the wrong one of the server's three ports is told
 * which to use, and so it is (`aws iam list-users --endpoint-url <S3 port>`: "… send IAM, STS and admin API requests
 * to http://127.0.0.1:8470"). The `gatehouse` CLI itself, given the S3 gateway's or the job credential endpoints'
 * address (`GATEHOUSE_ENDPOINT=http://127.0.0.1:8472`, or the demo's or a test's random ports, where no default helps),
 * was told nothing of the kind: the gateway answered its request (signed for the admin API's service, `gatehouse`)
 * with `incorrect service 'gatehouse'. This endpoint belongs to 's3'.` and no address, the credential endpoints with
 * `no route for GET /v1/users`, and the CLI said only `answered 400 with a body that is not JSON: is it the Gatehouse
 * API (… http://127.0.0.1:8470 by default) and not its agent or S3 gateway port?` — a guess, and the default port, not
 * this server's. Now both ports say what they are and where the API is, as they say it to the aws CLI, and the CLI
 * names the port it reached and the API's address to give as --endpoint (exit 10 as before); an address on another host
 * than the one reached is not repeated (an answer is not a pointer to trust), and an endpoint that says nothing of the
 * kind still gets the question. The CLI in process against a real server on 127.0.0.1.
 * Before the fix 3 of 3 tests failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXIT } from '../src/adapters/cli/exit-codes.ts';
import { gatehouseCliInProcess } from './support/gatehouse-cli.ts';
import { startTestServer, type TestServer } from './support/server.ts';

let server: TestServer;
let dir: string;
let other: Server;
let plain: Server;
before(async () => {
  server = await startTestServer();
  dir = await mkdtemp(join(tmpdir(), 'gh-iv4-'));
  // Another service that says it is Gatehouse's S3 gateway and names an API on another host: that address is not repeated.
  const claim = "The authorization header is malformed. This is Gatehouse&apos;s S3 gateway, which serves S3 requests only; send admin API requests to http://evil.example:8470";
  other = createServer((_req, res) => res.writeHead(400, { 'content-type': 'application/xml' }).end(`<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AuthorizationHeaderMalformed</Code><Message>${claim}</Message></Error>`));
  plain = createServer((_req, res) => res.writeHead(404, { 'content-type': 'text/plain' }).end('not found'));
  await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
  await new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', resolve));
});
after(async () => {
  await server.stop();
  other.close();
  plain.close();
  await rm(dir, { recursive: true, force: true });
});

const at = (endpoint: string) => gatehouseCliInProcess(['iam', 'users', 'list'], server.admin, { endpoint, home: dir, extraEnv: { AWS_MAX_ATTEMPTS: '1' } });

test('iv4: the CLI pointed at the S3 gateway is told it is the S3 gateway, and the API’s address', async () => {
  const r = await at(server.running.s3Url);
  assert.equal(r.code, EXIT.unavailable, r.stderr);
  assert.equal(r.stderr, `gatehouse: InvalidResponse: ${server.running.s3Url} is Gatehouse's S3 gateway, not its API: give the API's address, ${server.url}, as --endpoint (or GATEHOUSE_ENDPOINT)\n`);
});

test('iv4: the CLI pointed at the job credential endpoints is told so, and the API’s address', async () => {
  const r = await at(server.running.agentUrl);
  assert.equal(r.code, EXIT.unavailable, r.stderr);
  assert.equal(r.stderr, `gatehouse: InvalidResponse: ${server.running.agentUrl} is Gatehouse's credential endpoint for jobs (--agent-listen), not its API: give the API's address, ${server.url}, as --endpoint (or GATEHOUSE_ENDPOINT)\n`);
});

test('iv4: an API address on another host is not repeated; an endpoint that says nothing still gets the question', async () => {
  const url = `http://127.0.0.1:${(other.address() as AddressInfo).port}`;
  const r = await at(url);
  assert.equal(r.code, EXIT.unavailable, r.stderr);
  assert.equal(r.stderr, `gatehouse: InvalidResponse: ${url} is Gatehouse's S3 gateway, not its API: give the address of its API (\`gatehouse server\`'s --listen) as --endpoint (or GATEHOUSE_ENDPOINT)\n`);
  const nothing = await at(`http://127.0.0.1:${(plain.address() as AddressInfo).port}`);
  assert.equal(nothing.code, EXIT.unavailable, nothing.stderr);
  assert.match(nothing.stderr, /answered 404 with a body that is not JSON: is it the Gatehouse API/);
});
