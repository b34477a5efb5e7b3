/**
 * Review jn, 4. Behind a load balancer that ends TLS (AWS ALB, an ingress controller) and forwards plain HTTP, every
 * request reached the server unencrypted: `aws:SecureTransport` was false for all of them, so the usual guardrail
 * `Deny * if Bool aws:SecureTransport false` refused every client, TLS or not, and could not be used. Review jn, 1 made
 * GATEHOUSE_TRUSTED_PROXIES name the balancers for the client's address; their `X-Forwarded-Proto` is now read the same
 * way: from a trusted proxy, `https` (every value of the header `https`) is a secure request, any other value is not,
 * and without the header the connection says. From any other peer the header is ignored. Real server on 127.0.0.1
 * over plain HTTP trusting 127.0.0.1 only (127.0.0.2 is an untrusted peer), real IAM client.
 * Before the fix 2 of 4 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Agent, type IncomingMessage } from 'node:http';
import { CreateAccessKeyCommand, CreateUserCommand, GetUserCommand, IAMClient, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import * as facts from '../src/adapters/http/request-facts.ts';
import { errorName, REGION, startTestServer, type Credentials, type TestServer } from './support/server.ts';

const POLICY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    { Effect: 'Allow', Action: 'iam:GetUser', Resource: '*' },
    { Sid: 'TlsOnly', Effect: 'Deny', Action: '*', Resource: '*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } },
  ],
});

describe('review jn4: X-Forwarded-Proto from a trusted proxy is aws:SecureTransport', () => {
  let s: TestServer;
  let alice: Credentials;
  const clients: IAMClient[] = [];
  before(async () => {
    s = await startTestServer({ env: { GATEHOUSE_TRUSTED_PROXIES: '127.0.0.1' } });
    const iam = s.iam();
    await iam.send(new CreateUserCommand({ UserName: 'alice' }));
    await iam.send(new PutUserPolicyCommand({ UserName: 'alice', PolicyName: 'tls-only', PolicyDocument: POLICY }));
    const key = (await iam.send(new CreateAccessKeyCommand({ UserName: 'alice' }))).AccessKey;
    alice = { accessKeyId: key?.AccessKeyId ?? '', secretAccessKey: key?.SecretAccessKey ?? '' };
  });
  after(async () => {
    for (const c of clients) c.destroy();
    await s?.stop();
  });

  /** alice's GetUser, sent over plain HTTP from `localAddress` with `X-Forwarded-Proto: proto` (none when undefined). */
  async function getUser(proto: string | undefined, localAddress = '127.0.0.1'): Promise<string> {
    const c = new IAMClient({ endpoint: s.url, region: REGION, credentials: alice, maxAttempts: 1, requestHandler: { httpAgent: new Agent({ keepAlive: false, localAddress }) } });
    clients.push(c);
    if (proto !== undefined) {
      c.middlewareStack.add(
        (next) => async (args) => {
          (args.request as { headers: Record<string, string> }).headers['x-forwarded-proto'] = proto;
          return next(args);
        },
        { step: 'build', name: 'xForwardedProto' },
      );
    }
    return errorName(c.send(new GetUserCommand({ UserName: 'alice' })));
  }

  it('a trusted proxy that ended TLS (X-Forwarded-Proto: https): secure', async () => {
    // Before: AccessDenied, aws:SecureTransport false for the proxy's plain HTTP.
    assert.equal(await getUser('https'), 'no error');
    assert.equal(await getUser('HTTPS'), 'no error');
  });

  it('http, a chain with an http hop, or no header: not secure', async () => {
    for (const proto of ['http', 'https, http', 'http, https', 'wss', undefined]) assert.equal(await getUser(proto), 'AccessDenied', String(proto));
  });

  it('from a peer that is not a trusted proxy, X-Forwarded-Proto is ignored', async () => {
    assert.equal(await getUser('https', '127.0.0.2'), 'AccessDenied');
  });

  it('forwardedSecure', () => {
    const proxies = facts.parseTrustedProxies('10.0.0.0/8');
    assert.ok(proxies.ok);
    const req = (peer: string, proto?: string) => ({ socket: { remoteAddress: peer }, headers: proto === undefined ? {} : { 'x-forwarded-proto': proto } }) as unknown as IncomingMessage;
    assert.equal(facts.forwardedSecure(req('10.1.1.1', ' https '), proxies.value), true);
    assert.equal(facts.forwardedSecure(req('10.1.1.1', 'https,https'), proxies.value), true);
    assert.equal(facts.forwardedSecure(req('10.1.1.1', ''), proxies.value), false);
    assert.equal(facts.forwardedSecure(req('10.1.1.1'), proxies.value), undefined);
    assert.equal(facts.forwardedSecure(req('192.0.2.1', 'https'), proxies.value), undefined);
    assert.equal(facts.forwardedSecure(req('10.1.1.1', 'https'), []), undefined);
  });
});
