/**
 * Review vu, 1: a refusal of the admin API named the request path as it was percent-encoded on the wire, not as the
 * route reads it. The CLI sends every path segment RFC 3986-encoded (src/adapters/cli/client.ts `encodeSegment`), so
 * `gatehouse authorize --batch` posts to `/v1/authorize%3Abatch` (test/authorize.test.ts: the same route as
 * `/v1/authorize:batch`), and a user `pm@corp` is `/v1/users/pm%40corp`. A federated user's session refused the batch
 * was told "cannot call POST /v1/authorize%3Abatch", a 405 said "GET is not allowed on /v1/authorize%3Abatch", and the
 * refusal's audit record carried `POST /v1/authorize%3Abatch` as its action, so an auditor's `audit query --action
 * "POST /v1/authorize:batch"` found the refusals of clients that send the colon as is and missed the CLI's (and the
 * other way round): one route, two names, depending on the client.
 *
 * Now the path is named as routed: each segment decoded, with only what would make it ambiguous or unprintable (`/`,
 * `%`, `?`, `#`, spaces, control and format characters) written percent-encoded, whatever the client encoded.
 *
 * Real in-process server (SQLite); `@aws-sdk/client-sts` for GetFederationToken and GetSessionToken; admin API calls
 * SigV4-signed as sent (test/support/resource-server.ts).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { GetFederationTokenCommand, GetSessionTokenCommand } from '@aws-sdk/client-sts';
import { gatehouseJson } from './support/resource-server.ts';
import { auditRecords, startTestServer, userWithPolicy, type Credentials, type TestServer } from './support/server.ts';

const ALL = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['gatehouse:*', 'sts:*', 'iam:*'], Resource: '*' }] });

const cred = (c: { AccessKeyId?: string | undefined; SecretAccessKey?: string | undefined; SessionToken?: string | undefined } | undefined): Credentials => {
  assert.ok(c?.AccessKeyId && c.SecretAccessKey && c.SessionToken);
  return { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken };
};
const messageOf = (r: { json: Record<string, unknown> }): string => String((r.json['error'] as { message?: unknown } | undefined)?.message);

describe('review vu1: a refusal names the admin API path as routed, not as percent-encoded on the wire', () => {
  let s: TestServer;
  let federated: Credentials;
  let session: Credentials;
  before(async () => {
    s = await startTestServer();
    const alice = await userWithPolicy(s, 'vu1-alice', ALL);
    federated = cred((await s.sts(alice).send(new GetFederationTokenCommand({ Name: 'vu1-fed', Policy: ALL }))).Credentials);
    session = cred((await s.sts(alice).send(new GetSessionTokenCommand({}))).Credentials);
  });
  after(() => s?.stop());

  it("a federated user's batch, sent as the CLI sends it: the message and the audit record say /v1/authorize:batch", async () => {
    const r = await gatehouseJson(s.url, federated, 'POST', '/v1/authorize%3Abatch', { requests: [{ action: 's3:GetObject', resource: 'arn:aws:s3:::b/k' }] });
    assert.equal(r.status, 403, JSON.stringify(r.json));
    assert.match(messageOf(r), /cannot call POST \/v1\/authorize:batch: /);
    // The same refusal sent with the colon as is reads the same, and both are found by one action.
    const plain = await gatehouseJson(s.url, federated, 'POST', '/v1/authorize:batch', { requests: [{ action: 's3:GetObject', resource: 'arn:aws:s3:::b/k' }] });
    assert.equal(messageOf(plain), messageOf(r));
    const records = (await auditRecords(s, { action: 'POST /v1/authorize:batch' })).filter((x) => x.detail['accessKeyId'] === federated.accessKeyId || x.principal?.includes('vu1-fed'));
    assert.equal(records.length, 2, JSON.stringify(records));
    assert.deepEqual((await auditRecords(s, { action: 'POST /v1/authorize%3Abatch' })).length, 0);
  });

  it('a GetSessionToken session on a user whose name the CLI encodes: `pm@corp`, not `pm%40corp`', async () => {
    const r = await gatehouseJson(s.url, session, 'GET', '/v1/users/pm%40corp');
    assert.equal(r.status, 403, JSON.stringify(r.json));
    assert.match(messageOf(r), /^credentials from GetSessionToken cannot call GET \/v1\/users\/pm@corp: /);
  });

  it('a 405 names the route as routed; a slash or percent inside a segment stays encoded, so the name is not ambiguous', async () => {
    const r = await gatehouseJson(s.url, s.admin, 'GET', '/v1/authorize%3Abatch');
    assert.equal(r.status, 405, JSON.stringify(r.json));
    assert.equal(messageOf(r), 'GET is not allowed on /v1/authorize:batch; use POST');
    const odd = await gatehouseJson(s.url, session, 'GET', '/v1/policies/arn%3Aaws%3Aiam%3A%3A000000000000%3Apolicy%2Fa%25b%20c');
    assert.equal(odd.status, 403, JSON.stringify(odd.json));
    assert.match(messageOf(odd), /cannot call GET \/v1\/policies\/arn:aws:iam::000000000000:policy%2Fa%25b%20c: /);
    // A character that reorders or hides the text after it (U+202E, a line break) is not written into the message.
    const hidden = await gatehouseJson(s.url, s.admin, 'GET', '/v1/no%E2%80%AEroute%0Ahere/x%C3%A9');
    assert.equal(hidden.status, 404, JSON.stringify(hidden.json));
    assert.equal(messageOf(hidden), 'no route for GET /v1/no%E2%80%AEroute%0Ahere/xé');
  });
});
