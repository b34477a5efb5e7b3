/**
 * Review uy, 1. After a session key may have leaked (a memory dump, a core file), `gatehouse keys rotate` retires it, and
 * a retired key keeps opening the sessions it sealed, and whatever tokens its holder seals claiming to be such sessions,
 * for up to 36 h 15 min (review uv, 1); only a `revoke-sessions` of each role, made 15 minutes or more later, reached
 * them. Vault's transit key has `min_decryption_version` to stop old versions decrypting at once, AWS "Revoke active
 * sessions": an operator had no way to stop the leaked key at once, and `POST /v1/keys/rotate` refused any field.
 *
 * Now `gatehouse keys rotate --drop-retired` (`POST /v1/keys/rotate {"dropRetired": true}`) writes a ring of the new key
 * alone: every other key is removed, and every instance refuses the sessions they sealed as soon as it reads the ring
 * (within a second), InvalidClientTokenId where a token is opened; the new key records the instant of the drop, before
 * which no session is accepted where its claims are held without opening the token again (a job's credentials, a
 * reviewed Kubernetes user): `LiveState.isRevoked`. Recorded (gatehouse:RotateKeys, the dropped key ids).
 *
 * Two `gatehouse server` instances in this process on one throw-away schema of the test PostgreSQL, the AWS SDK's STS
 * client, the admin API and the CLI.
 * Before the fix 3 of 5 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetCallerIdentityCommand, GetSessionTokenCommand, STSClient } from '@aws-sdk/client-sts';
import { startServer, type RunningServer } from '../src/main/server.ts';
import { sessionCrypto } from '../src/adapters/crypto/index.ts';
import type { SessionClaims } from '../src/core/sts/session.ts';
import { PG_URL, pgAdmin, pgSkip } from './support/postgres.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { cliAgainst, REGION, sdkFailure, type Credentials } from './support/server.ts';
import { settled } from './support/settle.ts';

const skip = await pgSkip();
const cleanup: (() => Promise<unknown>)[] = [];

describe('review uy1: keys rotate --drop-retired ends the sessions of every other key at once, on every instance', { skip, timeout: 120_000 }, () => {
  let a: RunningServer;
  let b: RunningServer;
  let admin: Credentials;

  const sts = (s: RunningServer, credentials: Credentials): STSClient => new STSClient({ endpoint: s.url, region: REGION, credentials, maxAttempts: 1 });
  const session = async (s: RunningServer): Promise<Credentials> => {
    const c = (await sts(s, admin).send(new GetSessionTokenCommand({ DurationSeconds: 3600 }))).Credentials;
    assert.ok(c?.AccessKeyId && c.SecretAccessKey && c.SessionToken);
    return { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken };
  };
  /** `GetCallerIdentity` with `creds` on `s`: the ARN, or the error code. */
  const who = async (s: RunningServer, creds: Credentials): Promise<string> => {
    try {
      return (await sts(s, creds).send(new GetCallerIdentityCommand({}))).Arn ?? '';
    } catch (e) {
      return (await sdkFailure(Promise.reject(e))).code;
    }
  };
  const kidOf = (c: Credentials): string => (c.sessionToken ?? '').split('.')[1] ?? '';
  const claimsOf = (s: RunningServer, c: Credentials): SessionClaims => {
    const opened = sessionCrypto.open(s.app.live.keys, c.sessionToken ?? '', c.accessKeyId);
    assert.ok(opened.ok, 'the session opens with the ring the instance holds');
    return opened.claims;
  };
  const adminArn = (): string => `arn:aws:iam::000000000000:user/admin`;

  before(async () => {
    const schema = `gh_uy1_${randomBytes(6).toString('hex')}`;
    cleanup.push(() => pgAdmin((c) => c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)));
    const env = { GATEHOUSE_MASTER_KEY: randomBytes(32).toString('base64') };
    const start = async (name: string): Promise<RunningServer> => {
      const dataDir = await mkdtemp(join(tmpdir(), `gh-uy1-${name}-`));
      cleanup.push(() => rm(dataDir, { recursive: true, force: true }));
      const s = await startServer({ dataDir, listen: '127.0.0.1:0', agentListen: '127.0.0.1:0', s3Listen: 'off', env, databaseUrl: PG_URL, databaseSchema: schema, log: () => undefined });
      cleanup.push(() => s.stop());
      return s;
    };
    a = await start('a');
    b = await start('b');
    const creds = a.adminCredentials;
    assert.ok(creds);
    admin = { accessKeyId: creds.AccessKeyId, secretAccessKey: creds.SecretAccessKey };
  });
  after(async () => {
    for (const f of cleanup.splice(0).reverse()) await f();
  });

  it('a value of dropRetired other than true or false is refused, naming it, and rotates nothing', async () => {
    const before = a.app.live.keys.map((k) => k.kid);
    const r = await gatehouseJson(a.url, admin, 'POST', '/v1/keys/rotate', { dropRetired: 'yes' });
    assert.equal(r.status, 400, JSON.stringify(r.json));
    assert.match(JSON.stringify(r.json), /dropRetired/);
    await a.app.refresh();
    assert.deepEqual(a.app.live.keys.map((k) => k.kid), before);
  });

  it('a drop removes the retired and the active key: their sessions are refused on both instances within a second', async () => {
    const old = await session(a);
    // A plain rotation through B: the key of `old` retired, still opening it.
    const plain = await gatehouseJson(b.url, admin, 'POST', '/v1/keys/rotate');
    assert.equal(plain.status, 200, JSON.stringify(plain.json));
    assert.deepEqual(plain.json['droppedKeyIds'], []);
    const current = await settled(() => session(a), (c) => kidOf(c) === plain.json['keyId']);
    assert.equal(await who(b, old), adminArn(), 'a retired key still opens what it sealed');
    const heldOld = claimsOf(b, old);
    const heldCurrent = claimsOf(b, current);

    const r = await gatehouseJson(a.url, admin, 'POST', '/v1/keys/rotate', { dropRetired: true });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.equal(r.json['retiredKeys'], 0);
    assert.deepEqual([...(r.json['droppedKeyIds'] as string[])].sort(), [kidOf(old), kidOf(current)].sort());
    assert.equal(typeof r.json['sessionsRefusedBefore'], 'string');
    assert.deepEqual(a.app.live.keys.map((k) => k.kid), [r.json['keyId']]);
    for (const c of [old, current]) assert.equal(await who(a, c), 'InvalidClientTokenId');
    // B hears of the ring within a second (a change notification): nothing of the dropped keys opens there either.
    await settled(async () => b.app.live.keys.map((k) => k.kid), (kids) => kids.length === 1 && kids[0] === r.json['keyId'], 1_500, 50);
    for (const c of [old, current]) assert.equal(await who(b, c), 'InvalidClientTokenId');
    // Claims held without opening the token again (a job's credentials, a reviewed Kubernetes user) end with them.
    assert.equal(b.app.live.isRevoked(heldOld), true);
    assert.equal(b.app.live.isRevoked(heldCurrent), true);
  });

  it('sessions issued after the drop work on both instances', async () => {
    const onB = await session(b);
    const onA = await session(a);
    assert.equal(kidOf(onA), kidOf(onB));
    assert.equal(await who(a, onB), adminArn());
    assert.equal(await who(b, onA), adminArn());
    assert.equal(b.app.live.isRevoked(claimsOf(b, onA)), false);
  });

  it('the drop is recorded with the ids of the keys it removed and the instant before which sessions are refused', async () => {
    const records = await settled(
      async () => {
        const r = await gatehouseJson(a.url, admin, 'GET', '/v1/audit?action=gatehouse:RotateKeys&limit=100');
        return (r.json['records'] as { decision: string; detail?: { result?: Record<string, unknown> } }[] | undefined) ?? [];
      },
      (rs) => rs.some((x) => x.detail?.result?.['refusedBefore'] !== undefined),
      10_000,
    );
    const drop = records.find((x) => x.detail?.result?.['refusedBefore'] !== undefined);
    assert.equal(drop?.decision, 'ok');
    assert.equal((drop?.detail?.result?.['droppedKeyIds'] as unknown[]).length, 2);
    assert.match(String(drop?.detail?.result?.['refusedBefore']), /^\d{4}-\d\d-\d\dT.*Z$/);
  });

  it('gatehouse keys rotate --drop-retired drops them, and says what it ended', async () => {
    const held = await session(a);
    const run = await cliAgainst({ url: b.url, admin }, ['keys', 'rotate', '--drop-retired']);
    assert.equal(run.status, 0, run.err);
    assert.match(run.out, /1 older key\(s\) dropped: every session issued before \S+ is refused from now on/);
    assert.equal(await who(b, held), 'InvalidClientTokenId');
    await settled(async () => await who(a, held), (code) => code === 'InvalidClientTokenId', 1_500, 50);
  });
});
