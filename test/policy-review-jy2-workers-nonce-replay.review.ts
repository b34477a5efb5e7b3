/**
 * Review jy, 2. Alibaba's STS refuses a signed request whose `SignatureNonce` it has seen (`SignatureNonceUsed`), but
 * each process of `gatehouse server --workers N` held its own nonces, and the supervisor hands each new connection to
 * the next worker: the same signed AssumeRole, sent again on a new connection, reached a worker that had never seen it
 * and was answered with fresh credentials, once per worker (N sessions from one captured request).
 *
 * Now the workers check their nonces in one set, the supervisor's (asked over the cluster's IPC channel): a request
 * taken by one worker is `SignatureNonceUsed` at every other. Real server of two workers on 127.0.0.1, requests signed
 * by hand with signature version 1.0 as `@alicloud/credentials` signs them, each sent on a connection of its own.
 * Before the fix 1 of 1 tests failed.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, randomUUID } from 'node:crypto';
import * as I from '@aws-sdk/client-iam';
import { acsAccount } from './support/alibaba-world.ts';
import { REGION } from './support/server.ts';
import { freshRequest, twoWorkers } from './support/workers.ts';
import { settled, SETTLE_MS } from './support/settle.ts';

const ACS = '350000000092';

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

const json = (body: string): Record<string, unknown> => JSON.parse(body) as Record<string, unknown>;

describe('jy2: a signed Alibaba STS request is taken once by a server of two workers', () => {
  const server = twoWorkers('jy2-nonces');

  it('an AssumeRole sent again on new connections is SignatureNonceUsed at both workers', { timeout: 60_000 }, async () => {
    const { w } = server;
    const root = await acsAccount({ url: w.url, admin: await server.admin() }, ACS);
    const iam = new I.IAMClient({ endpoint: w.url, region: REGION, credentials: root, maxAttempts: 1 });
    await iam.send(new I.CreateRoleCommand({ RoleName: 'reader', AssumeRolePolicyDocument: JSON.stringify({ Version: '1', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { RAM: [`acs:ram::${ACS}:root`] } }] }) }));
    await iam.send(new I.CreateUserCommand({ UserName: 'bob' }));
    await iam.send(new I.PutUserPolicyCommand({ UserName: 'bob', PolicyName: 'sts', PolicyDocument: JSON.stringify({ Version: '1', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: `acs:ram::${ACS}:role/reader` }] }) }));
    const key = (await iam.send(new I.CreateAccessKeyCommand({ UserName: 'bob' }))).AccessKey;
    const bob = { accessKeyId: key?.AccessKeyId ?? '', secretAccessKey: key?.SecretAccessKey ?? '' };
    iam.destroy();

    // Both workers know bob's key and policy (the change reached the other): two fresh requests in a row taken.
    // Asked to a bound of time (settle.ts), not 200 tries.
    let taken = 0;
    const inRow = await settled(
      async () => {
        const r = await freshRequest(signed(w.url, bob, { Action: 'AssumeRole', RoleArn: `acs:ram::${ACS}:role/reader`, RoleSessionName: 'warm', DurationSeconds: '900' }));
        taken = r.status === 200 ? taken + 1 : 0;
        return taken;
      },
      (n) => n >= 2,
      SETTLE_MS,
      20,
    );
    assert.equal(inRow, 2, 'both workers take bob\'s requests');

    const captured = signed(w.url, bob, { Action: 'AssumeRole', RoleArn: `acs:ram::${ACS}:role/reader`, RoleSessionName: 'captured', DurationSeconds: '900' });
    const first = await freshRequest(captured);
    assert.equal(first.status, 200, first.body);
    // Each on a new connection: the supervisor hands them to the workers in turn, so both see it.
    for (let i = 0; i < 3; i++) {
      const again = await freshRequest(captured);
      assert.equal(again.status, 400, `replay ${i + 1} answered: ${again.body.slice(0, 160)}`);
      assert.equal(json(again.body)['Code'], 'SignatureNonceUsed');
    }
  });
});
