/**
 * Review tv, 2: a job of an `aws` account was still given `ALIBABA_CLOUD_CREDENTIALS_URI` (and
 * `ALIBABACLOUD_CREDENTIALS_URI`) with the ranks' live capability in its path (`http://…:8471/v1/credentials/<capability>`),
 * which review tn, 1 took out of an `acs` job's URI only: the Alibaba SDKs write the whole URI into their errors
 * (credentials-go's `URLCredentialsProvider`, the legacy `URICredential` of `@alicloud/credentials`), so a 503 or a 410
 * put the capability in the job's logs, and a reader of the logs on any host that reaches the credential port read the
 * job's credentials with it (the brief: "secrets never in logs/errors/audit"; DESIGN.md "Job credential environment"
 * gives every job the URI; credential-protocols §4.1 and §9.4: the provider sends no header, so the URI authenticates by
 * its host or what is in it). The bare path of tn, 1 was not the answer for an `aws` job: a tokenless read of its
 * session on its metadata endpoint is what review tc, 1 closed (a request forgery in the job reaches a fixed path).
 *
 * Now such a job reads the URI on its metadata endpoint too, on `/v1/credentials/<key>`: the key is made from what the
 * endpoint's IMDSv2 tokens are made from (imds.ts `credentialsUriKey`), so a request forgery cannot guess it, and it is
 * no capability: the credential port takes it for nothing, and the endpoint serves it only to its launcher's uid, so a
 * URI copied out of a log is of no use to anyone else. Through a node agent the launcher finds it on the endpoint the
 * agent opens (updated review tn, 2); test/agent-review-tn1's aws test now expects it.
 *
 * A real server on 127.0.0.1 and the real `@alicloud/credentials` (`credentials_uri` and the legacy `URICredential`,
 * whose error names the URI). Linux only (elsewhere the endpoint cannot check a uid and the URI keeps its capability).
 *
 * Before the fix 3 of 4 tests failed (the fourth, review tc, 1's guard at the paths a forgery can guess, passed before and
 * is kept by the fix).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { call } from '../src/adapters/cli/client.ts';
import { connectionTo } from './support/processes.ts';
import { startTestServer, type TestServer } from './support/server.ts';
import { workspaceW } from './support/job-agent-beside.ts';
import { Credential, refusedToThisUid, submitWithUid, UID, URICredential, uriOnEndpointWithoutCapability, type Submitted } from './support/credentials-uri.ts';

const linux = process.platform === 'linux';
let s: TestServer;

before(async () => {
  s = await startTestServer();
  await workspaceW(s);
});
after(() => s?.stop());

const submit = (uid: number): Promise<Submitted> => submitWithUid(s, s.admin, uid);

test('tv2: an aws job’s credentials URI holds no capability, is on its metadata endpoint, and the SDK reads it', { skip: !linux }, async () => {
  const j = await submit(UID);
  uriOnEndpointWithoutCapability(j);
  const env = j.environment;
  const c = await new Credential({ type: 'credentials_uri', credentialsURI: env['ALIBABA_CLOUD_CREDENTIALS_URI'] }).getCredential();
  assert.match(c.accessKeyId, /^ASIA/);
  assert.ok(c.securityToken.length > 0);
});

test('tv2: the SDK’s error once the job ended names the URI, whose key the credential port takes for nothing', { skip: !linux }, async () => {
  const j = await submit(UID);
  const uri = j.environment['ALIBABA_CLOUD_CREDENTIALS_URI'] ?? '';
  assert.match(await new URICredential(uri).getAccessKeyId(), /^ASIA/);
  // What a reader of the log would try: the URI's last segment at the credential port, from anywhere that reaches it.
  const key = uri.split('/').at(-1) ?? '';
  const agent = (j.environment['AWS_CONTAINER_CREDENTIALS_FULL_URI'] ?? '').replace(/\/v1\/container-credentials$/, '');
  for (const r of [await fetch(`${agent}/v1/credentials/${key}`), await fetch(`${agent}/v1/container-credentials`, { headers: { authorization: key } })]) {
    assert.ok(r.status === 403 || r.status === 404, `the credential port answered ${r.status} to the URI's key`);
    assert.doesNotMatch(await r.text(), /AccessKeyId/);
  }
  assert.ok((await call(connectionTo(s.url, s.admin), 'POST', ['jobs', j.job.id, 'stop'])).ok);
  const e = await new URICredential(uri).getAccessKeyId().then(() => assert.fail('served after the job ended'), (x: Error) => x);
  assert.match(e.message, /^Get credentials from http:\/\/127\.0\.0\.1:\d+\/v1\/credentials\/[\w-]{43} failed, status code is 410$/);
  assert.ok(!e.message.includes(j.environment['AWS_CONTAINER_AUTHORIZATION_TOKEN'] ?? '-'), e.message);
});

test('tv2: the URI copied out of a log serves no process of another uid', { skip: !linux }, async () => {
  const j = await submit(UID + 1);
  await refusedToThisUid(j.environment['ALIBABA_CLOUD_CREDENTIALS_URI'] ?? '');
});

test('tv2: a request forgery in the job reads nothing at a path it can guess (review tc, 1 kept)', { skip: !linux }, async () => {
  const j = await submit(UID);
  const uri = j.environment['ALIBABA_CLOUD_CREDENTIALS_URI'] ?? '';
  assert.match(uri, /\/v1\/credentials\/[\w-]{43}$/);
  const endpoint = j.environment['AWS_EC2_METADATA_SERVICE_ENDPOINT'] ?? '';
  const bare = await fetch(new URL('v1/credentials', endpoint));
  assert.equal(bare.status, 403);
  const wrong = await fetch(new URL(`v1/credentials/${'A'.repeat(43)}`, endpoint));
  assert.equal(wrong.status, 404);
  assert.doesNotMatch(await wrong.text(), /AccessKeyId/);
});
