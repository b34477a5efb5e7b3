/**
 * Review cn, 4: an STS request that fails because the database cannot be reached is answered as STS answers, in STS's
 * XML namespace. The 503 ServiceUnavailable of an outage (and the 409 OutcomeUnknown of a commit whose answer was lost,
 * and the 400 of a value the database refused) are sent where a request's failure is caught, which wrote every Query
 * API error in IAM's namespace (`https://iam.amazonaws.com/doc/2010-05-08/`): a GetCallerIdentity signed with a key this
 * instance did not hold yet, during an outage, was an IAM error, where every other STS error (refusals, the audit gate's
 * 503) carries `https://sts.amazonaws.com/doc/2011-06-15/`.
 *
 * `gatehouse server` in process on the test PostgreSQL (a schema of its own), through a TCP proxy that the test takes
 * down: every connection cut, new ones refused.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { startServer } from '../src/main/server.ts';
import { PG_URL, pgAdmin, pgSkip } from './support/postgres.ts';

const skip = await pgSkip();
const schema = `gh_cn4_${randomBytes(6).toString('hex')}`;
const cleanup: (() => Promise<unknown>)[] = [];
after(async () => {
  for (const c of cleanup.reverse()) await c().catch(() => undefined);
  await pgAdmin((c) => c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)).catch(() => undefined);
});

describe('an STS request during a database outage (review cn, 4)', { skip, timeout: 60_000 }, () => {
  it('is answered 503 ServiceUnavailable in STS XML; an IAM request in IAM XML', async () => {
    const target = new URL(PG_URL);
    let down = false;
    const sockets = new Set<Socket>();
    const proxy = createServer((client) => {
      if (down) return void client.destroy();
      const upstream = connect(Number(target.port || 5432), target.hostname);
      sockets.add(client).add(upstream);
      client.pipe(upstream).pipe(client);
      const end = (): void => void (client.destroy(), upstream.destroy());
      client.on('error', end).on('close', end);
      upstream.on('error', end).on('close', end);
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    cleanup.push(async () => {
      for (const s of sockets) s.destroy();
      proxy.close();
    });
    const url = new URL(PG_URL);
    url.hostname = '127.0.0.1';
    url.port = String((proxy.address() as { port: number }).port);
    const dataDir = await mkdtemp(join(tmpdir(), 'gh-cn4-'));
    cleanup.push(() => rm(dataDir, { recursive: true, force: true }));
    const running = await startServer({ dataDir, listen: '127.0.0.1:0', agentListen: '127.0.0.1:0', s3Listen: 'off', env: { GATEHOUSE_MASTER_KEY: randomBytes(32).toString('base64') }, databaseUrl: url.toString(), databaseSchema: schema, log: () => undefined });
    cleanup.push(() => running.stop());

    down = true;
    for (const s of sockets) s.destroy();
    // A key this instance does not hold (created through another instance a moment ago, as far as it can tell): it
    // reads the change log before refusing it, and cannot.
    const unknown = { accessKeyId: `AKIA${randomBytes(8).toString('hex').toUpperCase()}`, secretAccessKey: randomBytes(20).toString('base64') };
    const u = new URL(running.url);
    const call = async (service: 'sts' | 'iam', query: Record<string, string>): Promise<{ status: number; body: string }> => {
      const signer = new SignatureV4({ service, region: 'us-east-1', credentials: unknown, sha256: Sha256 });
      const p = await signer.presign({ method: 'GET', protocol: u.protocol, hostname: u.hostname, port: Number(u.port), path: '/', query, headers: { host: u.host } }, { expiresIn: 60 });
      const res = await fetch(`${running.url}/?${new URLSearchParams(p.query as Record<string, string>).toString()}`);
      return { status: res.status, body: await res.text() };
    };
    const sts = await call('sts', { Action: 'GetCallerIdentity', Version: '2011-06-15' });
    assert.equal(sts.status, 503, sts.body);
    assert.match(sts.body, /<Code>ServiceUnavailable<\/Code>/);
    assert.match(sts.body, /<ErrorResponse xmlns="https:\/\/sts\.amazonaws\.com\/doc\/2011-06-15\/">/, 'STS XML');
    const iam = await call('iam', { Action: 'ListUsers', Version: '2010-05-08' });
    assert.equal(iam.status, 503, iam.body);
    assert.match(iam.body, /<ErrorResponse xmlns="https:\/\/iam\.amazonaws\.com\/doc\/2010-05-08\/">/, 'IAM XML');
    down = false;
  });
});
