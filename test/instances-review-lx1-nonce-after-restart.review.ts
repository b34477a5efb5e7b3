/**
 * Review lx, 1. Alibaba's STS refuses a signed request whose `SignatureNonce` it has seen within the request's
 * 15-minute window (`SignatureNonceUsed`; Alibaba Cloud's "Signature mechanism" page for RPC APIs,
 * help.aliyun.com/en/document_detail/145075.html: SignatureNonce is "a unique random number used to prevent replay
 * attacks", a different one for each request). On SQLite a server held
 * the nonces it had taken in memory only (src/adapters/http/nonce-set.ts), so a server restarted within those 15 minutes
 * (an upgrade, a crash, a rescheduled pod) had forgotten every one: a captured signed AssumeRole, already answered
 * once, sent again after the restart was answered with fresh credentials for the role. On PostgreSQL the nonces were
 * claimed in the database (review kq, 1) and outlived a restart; table `signature_nonces` exists on SQLite too
 * (migration 11) but was left unused.
 *
 * Now a server on SQLite also writes each nonce its in-memory set takes to that table (within 200 ms of the answer,
 * together, and at stop; at once, a synchronous fsynced commit, only for a request an earlier run may have taken):
 * a request taken before a restart is `SignatureNonceUsed` after it. The in-memory set stays in front (its bound and
 * the refusal of a dropped nonce's window, reviews gc, 1 and jy, 1, are unchanged). Real server on a data dir kept across a restart; requests
 * signed by hand with signature version 1.0 as `@alicloud/credentials`' `ram_role_arn` provider signs them.
 * Before the fix 3 of 3 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import * as I from '@aws-sdk/client-iam';
import { acsAccount } from './support/alibaba-world.ts';
import { REGION, startTestServer, type Credentials, type TestServer } from './support/server.ts';
import { freshRequest } from './support/workers.ts';

const ACS = '350000000141';

/** RFC 3986 percent-encoding, as the RPC signature takes it. */
const percent = (v: string): string => encodeURIComponent(v).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** The path and query of a GET request signed with signature version 1.0 (every parameter in the query). */
function signed(keys: Credentials, extra: Record<string, string>): string {
  const all: Record<string, string> = {
    Version: '2015-04-01',
    Format: 'JSON',
    Timestamp: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    SignatureMethod: 'HMAC-SHA1',
    SignatureVersion: '1.0',
    SignatureNonce: randomUUID(),
    AccessKeyId: keys.accessKeyId,
    ...extra,
  };
  const canonical = Object.keys(all).sort().map((k) => `${percent(k)}=${percent(all[k] as string)}`).join('&');
  const signature = createHmac('sha1', `${keys.secretAccessKey}&`).update(`GET&${percent('/')}&${percent(canonical)}`).digest('base64');
  return `/?${canonical}&Signature=${percent(signature)}`;
}

const body = (text: string): Record<string, unknown> => JSON.parse(text) as Record<string, unknown>;

describe('lx1: a signed Alibaba STS request taken before a restart of a server on SQLite is refused after it', { timeout: 60_000 }, () => {
  let first: TestServer;
  let second: TestServer | undefined;
  let bob: Credentials = { accessKeyId: '', secretAccessKey: '' };
  let capturedAssume = '';
  let capturedIdentity = '';

  before(async () => {
    first = await startTestServer({ keepDir: true });
    const root = await acsAccount(first, ACS);
    const iam = new I.IAMClient({ endpoint: first.url, region: REGION, credentials: root, maxAttempts: 1 });
    await iam.send(new I.CreateRoleCommand({ RoleName: 'reader', AssumeRolePolicyDocument: JSON.stringify({ Version: '1', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { RAM: [`acs:ram::${ACS}:root`] } }] }) }));
    await iam.send(new I.CreateUserCommand({ UserName: 'bob' }));
    await iam.send(new I.PutUserPolicyCommand({ UserName: 'bob', PolicyName: 'sts', PolicyDocument: JSON.stringify({ Version: '1', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: `acs:ram::${ACS}:role/reader` }] }) }));
    const key = (await iam.send(new I.CreateAccessKeyCommand({ UserName: 'bob' }))).AccessKey;
    iam.destroy();
    bob = { accessKeyId: key?.AccessKeyId ?? '', secretAccessKey: key?.SecretAccessKey ?? '' };

    // Taken once each by the first run of the server.
    capturedAssume = signed(bob, { Action: 'AssumeRole', RoleArn: `acs:ram::${ACS}:role/reader`, RoleSessionName: 'captured', DurationSeconds: '900' });
    capturedIdentity = signed(bob, { Action: 'GetCallerIdentity' });
    const assumed = await freshRequest(first.url + capturedAssume);
    assert.equal(assumed.status, 200, assumed.body.slice(0, 200));
    const identity = await freshRequest(first.url + capturedIdentity);
    assert.equal(identity.status, 200, identity.body.slice(0, 200));
    // Sent again to the same run: refused, as before.
    assert.equal(body((await freshRequest(first.url + capturedAssume)).body)['Code'], 'SignatureNonceUsed');

    await first.stopServer();
    second = await startTestServer({ dataDir: first.dataDir });
  });
  after(async () => {
    await second?.stop();
    await first?.stop();
  });

  it('a captured AssumeRole sent again after the restart is SignatureNonceUsed, and issues no credentials', async () => {
    const s = second as TestServer;
    const replayed = await freshRequest(s.url + capturedAssume);
    assert.equal(replayed.status, 400, `replayed after the restart and answered: ${replayed.body.slice(0, 200)}`);
    assert.equal(body(replayed.body)['Code'], 'SignatureNonceUsed');
    assert.equal(body(replayed.body)['Credentials'], undefined);
    // A new request of bob's is taken, once.
    const fresh = signed(bob, { Action: 'AssumeRole', RoleArn: `acs:ram::${ACS}:role/reader`, RoleSessionName: 'fresh', DurationSeconds: '900' });
    const taken = await freshRequest(s.url + fresh);
    assert.equal(taken.status, 200, taken.body.slice(0, 200));
    assert.equal(body((await freshRequest(s.url + fresh)).body)['Code'], 'SignatureNonceUsed');
  });

  it("a request's nonce reaches the SQLite file within seconds of its answer, without waiting for a stop", async () => {
    const s = second as TestServer;
    const count = (): number => {
      const db = new DatabaseSync(join(s.dataDir, 'gatehouse.db'), { readOnly: true, timeout: 5000 });
      try {
        return Number((db.prepare('SELECT COUNT(*) AS n FROM signature_nonces').get() as { n: number }).n);
      } finally {
        db.close();
      }
    };
    const held = count();
    const taken = await freshRequest(s.url + signed(bob, { Action: 'GetCallerIdentity' }));
    assert.equal(taken.status, 200, taken.body.slice(0, 200));
    const end = Date.now() + 3_000;
    while (count() <= held) {
      if (Date.now() > end) assert.fail('the nonce taken was not written to the SQLite file within 3 s (a crash now would let it be replayed)');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  });

  it('a GetCallerIdentity taken before the restart is SignatureNonceUsed after it', async () => {
    const s = second as TestServer;
    const replayed = await freshRequest(s.url + capturedIdentity);
    assert.equal(replayed.status, 400, `replayed after the restart and answered: ${replayed.body.slice(0, 200)}`);
    assert.equal(body(replayed.body)['Code'], 'SignatureNonceUsed');
  });
});
