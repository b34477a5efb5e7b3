/**
 * Review kq, 1. Alibaba's STS refuses a signed request whose `SignatureNonce` it has seen (`SignatureNonceUsed`), but
 * each `gatehouse server` instance of a deployment on one PostgreSQL held its own nonces (in memory): a captured signed
 * AssumeRole, taken by instance A, sent again to instance B within its 15-minute window was answered there with fresh
 * credentials for the role, once per instance.
 *
 * Now an instance on PostgreSQL claims each nonce in the database (table `signature_nonces`), so a request taken by one
 * instance is `SignatureNonceUsed` at every other. Two servers in this process on one throw-away schema of the test
 * PostgreSQL; requests signed by hand with signature version 1.0 as `@alicloud/credentials`' `ram_role_arn` provider
 * signs them (a real client draws a new nonce for every call, so it cannot send one twice).
 * Before the fix 2 of 2 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as I from '@aws-sdk/client-iam';
import { startServer, type RunningServer } from '../src/main/server.ts';
import { acsAccount } from './support/alibaba-world.ts';
import { PG_URL, pgAdmin, pgSkip } from './support/postgres.ts';
import { REGION } from './support/server.ts';
import { freshRequest } from './support/workers.ts';

const skip = await pgSkip();
const ACS = '350000000093';
const cleanup: (() => Promise<unknown>)[] = [];

/** RFC 3986 percent-encoding, as the RPC signature takes it. */
const percent = (v: string): string => encodeURIComponent(v).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** The URL of a GET request signed with signature version 1.0 (every parameter in the query). */
function signed(base: string, keys: { accessKeyId: string; secretAccessKey: string }, extra: Record<string, string>): string {
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
  return `${base}/?${canonical}&Signature=${percent(signature)}`;
}

const code = (body: string): unknown => (JSON.parse(body) as Record<string, unknown>)['Code'];

describe('kq1: a signed Alibaba STS request is taken once by a deployment of instances on one PostgreSQL', { skip, timeout: 60_000 }, () => {
  let a: RunningServer;
  let b: RunningServer;
  let bob = { accessKeyId: '', secretAccessKey: '' };
  const assume = (url: string, name: string): string => signed(url, bob, { Action: 'AssumeRole', RoleArn: `acs:ram::${ACS}:role/reader`, RoleSessionName: name, DurationSeconds: '900' });

  before(async () => {
    const schema = `gh_kq1_${randomBytes(6).toString('hex')}`;
    cleanup.push(() => pgAdmin((c) => c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)));
    const env = { GATEHOUSE_MASTER_KEY: randomBytes(32).toString('base64') };
    const start = async (name: string): Promise<RunningServer> => {
      const dataDir = await mkdtemp(join(tmpdir(), `gh-kq1-${name}-`));
      cleanup.push(() => rm(dataDir, { recursive: true, force: true }));
      const s = await startServer({ dataDir, listen: '127.0.0.1:0', agentListen: '127.0.0.1:0', s3Listen: 'off', env, databaseUrl: PG_URL, databaseSchema: schema, log: () => undefined });
      cleanup.push(() => s.stop());
      return s;
    };
    a = await start('a');
    b = await start('b');
    const creds = a.adminCredentials;
    assert.ok(creds);
    const root = await acsAccount({ url: a.url, admin: { accessKeyId: creds.AccessKeyId, secretAccessKey: creds.SecretAccessKey } }, ACS);
    const iam = new I.IAMClient({ endpoint: a.url, region: REGION, credentials: root, maxAttempts: 1 });
    await iam.send(new I.CreateRoleCommand({ RoleName: 'reader', AssumeRolePolicyDocument: JSON.stringify({ Version: '1', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { RAM: [`acs:ram::${ACS}:root`] } }] }) }));
    await iam.send(new I.CreateUserCommand({ UserName: 'bob' }));
    await iam.send(new I.PutUserPolicyCommand({ UserName: 'bob', PolicyName: 'sts', PolicyDocument: JSON.stringify({ Version: '1', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: `acs:ram::${ACS}:role/reader` }] }) }));
    const key = (await iam.send(new I.CreateAccessKeyCommand({ UserName: 'bob' }))).AccessKey;
    iam.destroy();
    bob = { accessKeyId: key?.AccessKeyId ?? '', secretAccessKey: key?.SecretAccessKey ?? '' };
    // B has heard of bob's key and policy (a fresh request of its own is taken there).
    const end = Date.now() + 5_000;
    for (;;) {
      const r = await freshRequest(assume(b.url, 'warm'));
      if (r.status === 200) break;
      if (Date.now() > end) assert.fail(`B never took bob's request: ${r.status} ${r.body.slice(0, 200)}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  });
  after(async () => {
    for (const c of cleanup.reverse()) await c().catch(() => undefined);
  });

  it('an AssumeRole taken by A and sent again to B is SignatureNonceUsed at B, and at A', async () => {
    const captured = assume(a.url, 'captured');
    const first = await freshRequest(captured);
    assert.equal(first.status, 200, first.body);
    const replayed = await freshRequest(captured.replace(a.url, b.url));
    assert.equal(replayed.status, 400, `replay at B answered: ${replayed.body.slice(0, 200)}`);
    assert.equal(code(replayed.body), 'SignatureNonceUsed');
    const again = await freshRequest(captured);
    assert.equal(again.status, 400, again.body.slice(0, 200));
    assert.equal(code(again.body), 'SignatureNonceUsed');
  });

  it('the same request sent to both instances at once is taken by one of them only', async () => {
    const captured = assume(a.url, 'raced');
    const answers = await Promise.all([a.url, b.url, a.url, b.url].map((u) => freshRequest(captured.replace(a.url, u))));
    assert.deepEqual(answers.map((r) => r.status).sort(), [200, 400, 400, 400], answers.map((r) => r.body.slice(0, 120)).join('\n'));
    for (const r of answers.filter((x) => x.status === 400)) assert.equal(code(r.body), 'SignatureNonceUsed');
  });
});
