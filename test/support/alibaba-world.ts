/**
 * Worlds in an `acs` account (Alibaba's partition): the account itself, made through the CLI, a RAM user with an inline
 * policy, two of them (bob and carol) and their GetCallerIdentity signed with signature version 1.0, and the worlds the
 * Alibaba STS suites (reviews fn, 2, 3 and 5; ny, 1; jy, 1) and the training-service-name suites (reviews gb, 3 and 4;
 * gj, 4) start from.
 */
import { after, mock } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, randomUUID } from 'node:crypto';
import * as I from '@aws-sdk/client-iam';
import { rpcStringToSign } from '../../src/adapters/http/alibaba-sts-api.ts';
import { gatehouseJson } from './resource-server.ts';
import { accountAdmin, startTestServer, type Credentials, type TestServer } from './server.ts';
import { suiteWorld } from './suite-world.ts';

/** A new `acs` account `account` on `s`, made by `gatehouse accounts create` (server.ts `accountAdmin`); answers its root admin's access key. */
export const acsAccount = (s: Pick<TestServer, 'url' | 'admin'>, account: string): Promise<Credentials> => accountAdmin(s, account, 'acs');

/** A new RAM user `name` made through `iam`, with the inline policy `p` of `statements` (RAM's `Version: '1'`); answers its access key. */
export async function ramUser(iam: I.IAMClient, name: string, ...statements: object[]): Promise<Credentials> {
  await iam.send(new I.CreateUserCommand({ UserName: name }));
  await iam.send(new I.PutUserPolicyCommand({ UserName: name, PolicyName: 'p', PolicyDocument: JSON.stringify({ Version: '1', Statement: statements }) }));
  const key = (await iam.send(new I.CreateAccessKeyCommand({ UserName: name }))).AccessKey;
  return { accessKeyId: key?.AccessKeyId ?? '', secretAccessKey: key?.SecretAccessKey ?? '' };
}

export interface BobAndCarol {
  readonly server: TestServer;
  /** The `acs` account's root admin's key. */
  readonly admin: Credentials;
  /** An IAM client as the account's root admin. */
  readonly iam: I.IAMClient;
  readonly bob: Credentials;
  readonly carol: Credentials;
}

/**
 * The suite of the reviews of a RAM user's key refused (is, 1; qr, 4; um, 2), for the suite this is called in: a
 * server with a new `acs` account `account` and its RAM users bob and carol, each allowed `sts:AssumeRole` on
 * everything. The world, read once the suite's `before` has run (suite-world.ts).
 */
export function bobAndCarolSuite(account: string): () => BobAndCarol {
  return suiteWorld('bobAndCarolSuite', async (cleanUp) => {
    const server = await startTestServer();
    cleanUp(() => server.stop());
    const admin = await acsAccount(server, account);
    const iam = server.iam(admin);
    cleanUp(async () => iam.destroy());
    const bob = await ramUser(iam, 'bob', { Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' });
    const carol = await ramUser(iam, 'carol', { Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' });
    return { server, admin, iam, bob, carol };
  });
}

/**
 * GetCallerIdentity to the Alibaba STS of `serverUrl`: a form POST signed with signature version 1.0 under `key`'s
 * secret (the `@alicloud/credentials` form), its Timestamp `at` (now when not given), with `drop` left out of the
 * parameters before signing. The answer's status and JSON body.
 */
export async function callerIdentityV1(serverUrl: string, key: Credentials, options: { at?: Date; drop?: string } = {}): Promise<{ status: number; body: Record<string, unknown> }> {
  const params = new URLSearchParams({ Action: 'GetCallerIdentity', Version: '2015-04-01', Format: 'JSON', AccessKeyId: key.accessKeyId, SignatureMethod: 'HMAC-SHA1', SignatureVersion: '1.0', SignatureNonce: randomUUID(), Timestamp: (options.at ?? new Date()).toISOString().replace(/\.\d{3}Z$/, 'Z') });
  if (options.drop !== undefined) params.delete(options.drop);
  params.set('Signature', createHmac('sha1', `${key.secretAccessKey}&`).update(rpcStringToSign('POST', '', params.toString())).digest('base64'));
  const r = await fetch(`${serverUrl}/`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: params.toString() });
  return { status: r.status, body: (await r.json()) as Record<string, unknown> };
}

/** What a submitter of training jobs is allowed: every training action, and to pass any role. */
export const SUBMITTER: readonly object[] = [
  { Effect: 'Allow', Action: ['training:*'], Resource: '*' },
  { Effect: 'Allow', Action: 'ram:PassRole', Resource: '*' },
];

/**
 * Applies, as `admin` of the `acs` account `account`, the workspace `vision` with `members` (user names) and the
 * cluster `gpu` whose nodes take the role `nodeadm`; fails the test unless the apply is answered 200.
 */
export async function visionAndGpu(s: Pick<TestServer, 'url'>, admin: Credentials, account: string, members: readonly string[]): Promise<void> {
  const doc = (kind: string, name: string, spec: Record<string, unknown>) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name, account }, spec });
  const applied = await gatehouseJson(s.url, admin, 'POST', '/v1/apply', { documents: [doc('Workspace', 'vision', { members: members.map((user) => ({ user })) }), doc('Cluster', 'gpu', { instanceRole: 'nodeadm' })] });
  assert.equal(applied.status, 200, JSON.stringify(applied.json));
}

/**
 * The Alibaba STS suites' world: an `acs` account `account` on server `s`, its role `reader` trusting the account's
 * root, and its RAM user `bob`, whose policy allows `sts:AssumeRole` on `reader`. Answers bob's access key.
 */
export async function readerWorld(s: TestServer, account: string): Promise<Credentials> {
  const iam = s.iam(await acsAccount(s, account));
  await iam.send(new I.CreateRoleCommand({ RoleName: 'reader', AssumeRolePolicyDocument: JSON.stringify({ Version: '1', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { RAM: [`acs:ram::${account}:root`] } }] }) }));
  await iam.send(new I.CreateUserCommand({ UserName: 'bob' }));
  await iam.send(new I.PutUserPolicyCommand({ UserName: 'bob', PolicyName: 'sts', PolicyDocument: JSON.stringify({ Version: '1', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: `acs:ram::${account}:role/reader` }] }) }));
  const key = (await iam.send(new I.CreateAccessKeyCommand({ UserName: 'bob' }))).AccessKey;
  return { accessKeyId: key?.AccessKeyId ?? '', secretAccessKey: key?.SecretAccessKey ?? '' };
}

/** RFC 3986 percent-encoding, as the RPC signature takes it. */
const percent = (s: string): string => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/**
 * A captured request, for the nonce reviews (ge 3, ny 2): AssumeRole of role `reader` of `account` (readerWorld) as
 * session `captured` by `key`, a GET signed with Alibaba's RPC signature 1.0 (HMAC-SHA1 of the sorted, percent-encoded
 * query) with `Timestamp` at `timestamp` (whole seconds) and a fresh SignatureNonce; each call of the function answered
 * sends the same bytes again, and answers the status and the JSON body.
 */
export function capturedAssumeRole(serverUrl: string, key: Credentials, account: string, timestamp: number): () => Promise<{ status: number; body: Record<string, unknown> }> {
  const params: Record<string, string> = {
    Action: 'AssumeRole',
    Version: '2015-04-01',
    Format: 'JSON',
    RoleArn: `acs:ram::${account}:role/reader`,
    RoleSessionName: 'captured',
    DurationSeconds: '900',
    Timestamp: new Date(timestamp).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    SignatureMethod: 'HMAC-SHA1',
    SignatureVersion: '1.0',
    SignatureNonce: randomUUID(),
    AccessKeyId: key.accessKeyId,
  };
  const canonical = Object.keys(params).sort().map((k) => `${percent(k)}=${percent(params[k] as string)}`).join('&');
  const signature = createHmac('sha1', `${key.secretAccessKey}&`).update(`GET&${percent('/')}&${percent(canonical)}`).digest('base64');
  const url = `${serverUrl}/?${canonical}&Signature=${percent(signature)}`;
  return async () => {
    const r = await fetch(url);
    return { status: r.status, body: (await r.json()) as Record<string, unknown> };
  };
}

export interface ReaderSuite {
  readonly server: TestServer;
  /** bob's access key (readerWorld). */
  readonly bob: Credentials;
}

/**
 * The Alibaba STS reviews' suite (fn 2, fn 3, ny 1, jy 1 and the client's, alibaba-sts.ts), for the suite this is called
 * in: a server (started with `options`) with readerWorld in the `acs` account `account`. The world, read once the
 * suite's `before` has run (suite-world.ts).
 */
export function readerSuite(account: string, options: Parameters<typeof startTestServer>[0] = {}): () => ReaderSuite {
  return suiteWorld('readerSuite', async (cleanUp) => {
    const server = await startTestServer(options);
    cleanUp(() => server.stop());
    return { server, bob: await readerWorld(server, account) };
  });
}

/**
 * The nonce reviews' suite (ge 3, ny 2): `readerSuite`, with node:test's mock timers, which `replayRefused` moves the
 * server's clock with, reset after it.
 */
export function nonceReplaySuite(account: string): () => ReaderSuite {
  // Registered first, so run first: the clock is real again before the server stops.
  after(() => mock.timers.reset());
  return readerSuite(account);
}

/**
 * Sends a captured request (`capturedAssumeRole`) first with the server's clock (Date, through node:test's mock timers)
 * at `sentAt` (as it is when not given), and expects it answered 200; then the same bytes again at `replayAt`, which
 * must be SignatureNonceUsed (400), and at `lateAt`, which must be InvalidTimeStamp.Expired (400). The clock is real
 * again after.
 */
export async function replayRefused(send: () => Promise<{ status: number; body: Record<string, unknown> }>, at: { sentAt?: number; replayAt: number; lateAt: number }): Promise<void> {
  let mocked = false;
  const setClock = (now: number): void => {
    if (mocked) mock.timers.setTime(now);
    else mock.timers.enable({ apis: ['Date'], now });
    mocked = true;
  };
  try {
    if (at.sentAt !== undefined) setClock(at.sentAt);
    const first = await send();
    assert.equal(first.status, 200, JSON.stringify(first.body));

    setClock(at.replayAt);
    const replay = await send();
    assert.equal(replay.status, 400, `replayed and answered: ${JSON.stringify(replay.body).slice(0, 200)}`);
    assert.equal(replay.body['Code'], 'SignatureNonceUsed');

    setClock(at.lateAt);
    const late = await send();
    assert.equal(late.status, 400);
    assert.equal(late.body['Code'], 'InvalidTimeStamp.Expired');
  } finally {
    mock.timers.reset();
  }
}
