/**
 * Review agent, cf2: while the server is unreachable, the node agent serves a cached session only while it has at
 * least 30 minutes left, as credential-protocols §1 asks of every endpoint ("never serve credentials with < 30 min
 * left"; §3.2: botocore's IMDS provider takes credentials with under 17–25 minutes left as valid for that long
 * again, so it keeps using them past their real expiry and does not come back for the next session). The agent
 * kept serving them until 5 minutes before their end, on its container endpoint, its credentials URI and the jobs'
 * metadata endpoints. Against a real server (stopped for the outage) and the relay on a moved clock: 31 minutes
 * before the session's end it is still served, Expiration the real one; 20 minutes before, 503 on every endpoint
 * and the AWS SDK v3 container provider gets nothing.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { fromHttp } from '@aws-sdk/credential-providers';
import { createRelay, type Relay } from '../src/adapters/agent/relay.ts';
import { submitJob } from './support/processes.ts';
import { freshRequest } from './support/raw-answer.ts';
import { startTestServer, type TestServer } from './support/server.ts';

let s: TestServer | undefined;
let relay: Relay | undefined;

before(async () => {
  s = await startTestServer();
});
after(async () => {
  await relay?.close();
  await s?.stop();
});

test('cf2: during an outage the node agent serves no session with under 30 minutes left', async () => {
  assert.ok(s);
  const job = await submitJob(s.url, s.admin);
  let clock = Date.now();
  relay = createRelay({ upstream: job.upstream, revalidateMs: 1000, now: () => clock });
  const url = `http://127.0.0.1:${(await relay.listen('127.0.0.1', 0)).port}`;
  const cap = job.capability;
  const container = () => freshRequest(`${url}/v1/container-credentials`, { authorization: cap });
  const uri = () => freshRequest(`${url}/v1/credentials/${cap}`, {});
  const opened = await fetch(`${url}/v1/launcher/metadata`, { method: 'POST', headers: { authorization: cap }, body: '{}' });
  assert.equal(opened.status, 200);
  const imds = `http://127.0.0.1:${((await opened.json()) as { port: number }).port}`;
  const imdsDoc = async () => {
    const token = await freshRequest(`${imds}/latest/api/token`, { 'x-aws-ec2-metadata-token-ttl-seconds': '21600' }, 'PUT');
    assert.equal(token.status, 200, token.body);
    const role = await freshRequest(`${imds}/latest/meta-data/iam/security-credentials/`, { 'x-aws-ec2-metadata-token': token.body });
    if (role.status !== 200) return role;
    return freshRequest(`${imds}/latest/meta-data/iam/security-credentials/${role.body}`, { 'x-aws-ec2-metadata-token': token.body });
  };

  // Cached, with the session's real expiry (from the server's header, read here from the server itself).
  const first = await container();
  assert.equal(first.status, 200, first.body);
  assert.equal((await uri()).status, 200);
  const direct = await fetch(`${job.upstream}/v1/container-credentials`, { headers: { authorization: cap } });
  const real = Date.parse(direct.headers.get('x-gatehouse-session-expiration') ?? '');
  await direct.body?.cancel();
  assert.ok(Number.isFinite(real));
  const keyId = (JSON.parse(first.body) as { AccessKeyId: string }).AccessKeyId;
  assert.equal((JSON.parse((await imdsDoc()).body) as { AccessKeyId: string }).AccessKeyId, keyId);

  await s.stop();
  s = undefined;

  // 31 minutes left: still served, with its real Expiration.
  clock = real - 31 * 60_000;
  for (const [name, read] of [['container', container], ['credentials URI', uri], ['metadata', imdsDoc]] as const) {
    const a = await read();
    assert.equal(a.status, 200, `${name}: ${a.body}`);
    const d = JSON.parse(a.body) as { AccessKeyId: string; Expiration: string };
    assert.equal(d.AccessKeyId, keyId, name);
    assert.equal(Date.parse(d.Expiration), Math.floor(real / 1000) * 1000, name);
  }

  // 20 minutes left: no longer served anywhere.
  clock = real - 20 * 60_000;
  for (const [name, read] of [['container', container], ['credentials URI', uri], ['metadata', imdsDoc]] as const) {
    const a = await read();
    assert.equal(a.status, 503, `${name} served a session with 20 minutes left`);
    assert.equal(a.body.includes(cap), false, 'the capability is a secret');
  }
  await assert.rejects(fromHttp({ awsContainerCredentialsFullUri: `${url}/v1/container-credentials`, awsContainerAuthorizationToken: cap, maxRetries: 0 })(), /503/);
});
