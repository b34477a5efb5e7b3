/**
 * Review np, 2 (agent): a request to a job's credential endpoint whose line and headers pass the 16 KiB Node's parser
 * reads (an `AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE` holding far more than a token, a long query) was answered Node's
 * bare `431` with no body, on the server's `--agent-listen` port, on a node agent's and on a job's metadata port. The
 * AWS SDKs' container provider copies a 4xx's JSON `Code` and `Message` onto its error (credential-protocols §2.1,
 * fromHttp L80-L90), and every other refusal of these ports is `{"Code", "Message"}` (docs/errors.md, "Credential
 * endpoints for jobs"): the job's SDK said only `Server responded with status: 431`, nothing of what was too large or
 * by how much. The API edge and the S3 gateway say it since reviews ky, 3 and lz, 4. Now the credential ports answer
 * 431 `{"Code": "RequestHeaderSectionTooLarge", "Message"}` naming the limit and what to shorten, and a metadata port
 * (plain text, as EC2's) the message as text; the connection is still closed.
 *
 * A real server on 127.0.0.1, a real node agent (relay), the AWS SDK v3 `fromHttp` provider and a raw socket.
 *
 * Before the fix 3 of 3 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fromHttp } from '@aws-sdk/credential-providers';
import { createRelay, type Relay } from '../src/adapters/agent/relay.ts';
import { call } from '../src/adapters/cli/client.ts';
import { connectionTo } from './support/processes.ts';
import { startTestServer, type TestServer } from './support/server.ts';
import { rawAnswer } from './support/raw-answer.ts';

/** What the SDK's container provider throws when its token is `size` bytes. */
async function providerError(fullUri: string, size: number): Promise<{ message?: string; Code?: string; Message?: string }> {
  const provider = fromHttp({ awsContainerCredentialsFullUri: fullUri, awsContainerAuthorizationToken: 'a'.repeat(size), maxRetries: 0, timeout: 5_000 });
  return provider().then(
    () => assert.fail('credentials served to a request past the limit'),
    (e: unknown) => e as { message?: string; Code?: string; Message?: string },
  );
}

describe('review np2: a credential endpoint past its header limit says so in its shape', () => {
  let s: TestServer;
  let relay: Relay;
  let job: { capability: string; environment: Record<string, string> };
  before(async () => {
    s = await startTestServer();
    const conn = connectionTo(s.url, s.admin);
    assert.ok((await call(conn, 'PUT', ['workspaces', 'w'], { body: { members: [{ user: 'admin' }] } })).ok);
    const r = await call<{ capability: string; environment: Record<string, string> }>(conn, 'POST', ['jobs'], { body: { workspace: 'w', role: 'default' } });
    assert.ok(r.ok, JSON.stringify(r));
    job = r.value;
    relay = createRelay({ upstream: (job.environment['AWS_CONTAINER_CREDENTIALS_FULL_URI'] ?? '').replace(/\/v1\/container-credentials$/, '') });
    await relay.listen('127.0.0.1', 0);
  });
  after(async () => {
    await relay?.close();
    await s?.stop();
  });

  it("the server's container endpoint: the SDK reads RequestHeaderSectionTooLarge naming the limit", async () => {
    const fullUri = job.environment['AWS_CONTAINER_CREDENTIALS_FULL_URI'] ?? '';
    const e = await providerError(fullUri, 20_000);
    assert.equal(e.Code, 'RequestHeaderSectionTooLarge', e.message);
    assert.match(e.Message ?? '', /16384 bytes/);
    // The same token within the limit is refused as any wrong capability is: the limit is what was said.
    assert.equal((await providerError(fullUri, 2_000)).Code, 'Forbidden');
  });

  it("a node agent's container endpoint: the same", async () => {
    const a = relay.server.address();
    const port = typeof a === 'object' && a !== null ? a.port : 0;
    const e = await providerError(`http://127.0.0.1:${port}/v1/container-credentials`, 20_000);
    assert.equal(e.Code, 'RequestHeaderSectionTooLarge', e.message);
    assert.match(e.Message ?? '', /16384 bytes/);
  });

  it("a job's metadata port: 431 with the message as text", async () => {
    const endpoint = job.environment['AWS_EC2_METADATA_SERVICE_ENDPOINT'];
    assert.ok(endpoint, JSON.stringify(job.environment));
    const answer = await rawAnswer(Number(new URL(endpoint).port), `PUT /latest/api/token HTTP/1.1\r\nHost: 127.0.0.1\r\nX-aws-ec2-metadata-token-ttl-seconds: 60\r\nX-Padding: ${'a'.repeat(20_000)}\r\n\r\n`);
    assert.match(answer, /^HTTP\/1\.1 431 /);
    const [head, body] = answer.split('\r\n\r\n');
    assert.match(head ?? '', /content-type: text\/plain/i);
    assert.match(body ?? '', /16384 bytes/);
  });
});
