/**
 * Review fn, 1: Gatehouse holds RAM users with `LTAI…` keys, but its Alibaba Cloud STS (`Version=2015-04-01`) answered
 * AssumeRoleWithOIDC only: `AssumeRole` and `GetCallerIdentity`, signed as every Alibaba RPC call is (signature version
 * 1.0, HMAC-SHA1), were `InvalidAction.NotFound`. So `@alicloud/credentials`' `ram_role_arn` provider (a RAM user's key
 * and a role ARN, the usual way to run as a RAM role off ECS, also from `~/.alibabacloud/credentials` and the aliyun
 * CLI's `RamRoleArn` profiles) failed with "refresh session token failed: {…InvalidAction.NotFound…}": an `acs`
 * account's role could be assumed only through the AWS SDKs' SigV4.
 *
 * Now both are answered in Alibaba's JSON: the signature is checked as Alibaba's gateway checks it (the sorted,
 * percent-encoded parameters; `Timestamp` within 15 minutes; a `SignatureNonce` once), its refusals with the gateway's
 * codes (`SignatureDoesNotMatch` ending in the string to sign, which the client compares to tell a wrong secret;
 * `InvalidAccessKeyId.NotFound`, `SignatureNonceUsed`, `InvalidTimeStamp.Expired`), and the use case is AWS STS's
 * AssumeRole (RAM's rule: the caller's policies and the trust policy both allow; a refusal is 403 `NoPermission`). An STS
 * key signs with its `SecurityToken` (a role chained from a session).
 *
 * The real `@alicloud/credentials` in a child process, over https (the only scheme it speaks) to a real server with a
 * throwaway certificate from openssl (skips without openssl). GetCallerIdentity, which that package never calls, is
 * signed here by hand as its provider signs AssumeRole. Before the fix all 3 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { createHmac, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { Agent, request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as I from '@aws-sdk/client-iam';
import * as S from '@aws-sdk/client-sts';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { ADMIN_CREDENTIALS_FILE, startServer, type RunningServer } from '../src/main/server.ts';
import type { AuditRecord } from '../src/core/audit/record.ts';

const OPENSSL = ['/usr/bin/openssl', '/bin/openssl'].find((p) => existsSync(p));
const ACS = '350000000021';

interface Keys {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

let dir = '';
let ca = '';
let server: RunningServer;
let bob: Keys;
let eve: Keys;

const clientConfig = (credentials: Keys) => ({ endpoint: server.url, region: 'cn-hangzhou', credentials, maxAttempts: 1, requestHandler: new NodeHttpHandler({ httpsAgent: new Agent({ ca }) }) });

type Outcome = { ok: true; accessKeyId: string; accessKeySecret: string; securityToken: string; expiration: string } | { ok: false; message: string };

interface Case {
  readonly accessKeyId: string;
  readonly accessKeySecret: string;
  readonly securityToken?: string;
  readonly roleArn: string;
  readonly roleSessionName: string;
}

/** `@alicloud/credentials`' `ram_role_arn` provider, its endpoint set in code; one `Credential` per case, in order. */
async function ramRoleArn(cases: readonly Case[]): Promise<Outcome[]> {
  const script = `
    import Alibaba from '@alicloud/credentials';
    const out = [];
    for (const c of JSON.parse(process.env.CASES)) {
      try {
        const cred = new Alibaba.default(new Alibaba.Config({ type: 'ram_role_arn', ...c, stsEndpoint: process.env.STS_ENDPOINT }));
        const m = await cred.getCredential();
        out.push({ ok: true, accessKeyId: m.accessKeyId, accessKeySecret: m.accessKeySecret, securityToken: m.securityToken, expiration: '' });
      } catch (e) {
        out.push({ ok: false, message: String(e && e.message) });
      }
    }
    process.stdout.write(JSON.stringify(out));
    process.exit(0);
  `;
  const env = { PATH: process.env['PATH'] ?? '', HOME: dir, NODE_EXTRA_CA_CERTS: join(dir, 'cert.pem'), STS_ENDPOINT: new URL(server.url).host, CASES: JSON.stringify(cases) };
  const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], { cwd: process.cwd(), env, timeout: 60_000 });
  return JSON.parse(stdout) as Outcome[];
}

/** The Alibaba error object the client put in its message (`refresh session token failed: <body>`). */
function alibabaError(r: Outcome | undefined): { Code?: string; Message?: string; RequestId?: string } {
  assert.ok(r && !r.ok, `the client got credentials: ${JSON.stringify(r)}`);
  const m = /^refresh session token failed: (.*)$/s.exec(r.message);
  assert.ok(m, `the client's error: ${r.message}`);
  return JSON.parse(m[1] as string) as { Code?: string; Message?: string };
}

/** `secret` with its last character changed: a random secret may already end in whatever a fixed suffix would put. */
const wrongSecret = (secret: string) => `${secret.slice(0, -1)}${secret.endsWith('x') ? 'y' : 'x'}`;

const percent = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** A GET signed with Alibaba's signature version 1.0, as its SDKs sign one; `nonce` and `timestamp` may be set. */
function signedGet(keys: Keys, params: Record<string, string>, opts: { nonce?: string; timestamp?: string } = {}): Promise<{ status: number; json: Record<string, unknown> }> {
  const all: Record<string, string> = {
    Version: '2015-04-01',
    Format: 'JSON',
    Timestamp: opts.timestamp ?? new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    SignatureMethod: 'HMAC-SHA1',
    SignatureVersion: '1.0',
    SignatureNonce: opts.nonce ?? randomUUID(),
    AccessKeyId: keys.accessKeyId,
    ...(keys.sessionToken ? { SecurityToken: keys.sessionToken } : {}),
    ...params,
  };
  const canonical = Object.keys(all).sort().map((k) => `${percent(k)}=${percent(all[k] as string)}`).join('&');
  const signature = createHmac('sha1', `${keys.secretAccessKey}&`).update(`GET&${percent('/')}&${percent(canonical)}`).digest('base64');
  const url = `${server.url}/?${canonical}&Signature=${percent(signature)}`;
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'GET', agent: new Agent({ ca }) }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown> }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('fn1: Alibaba STS AssumeRole and GetCallerIdentity, signed with signature version 1.0', { skip: OPENSSL === undefined ? 'openssl is absent (apt-get install openssl)' : false }, () => {
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gh-fn1-'));
    execFileSync(OPENSSL as string, ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
    ca = await readFile(join(dir, 'cert.pem'), 'utf8');
    server = await startServer({ dataDir: join(dir, 'data'), listen: '127.0.0.1:0', agentListen: '127.0.0.1:0', s3Listen: 'off', env: {}, log: () => {}, audit: { maxUnwrittenMs: 30_000 }, tlsCert: join(dir, 'cert.pem'), tlsKey: join(dir, 'key.pem') });
    const file = JSON.parse(await readFile(join(dir, 'data', ADMIN_CREDENTIALS_FILE), 'utf8')) as { AccessKeyId: string };
    const root = await server.app.authenticate(file.AccessKeyId);
    assert.ok(root.ok);
    const account = await server.app.createAccount(root.value.caller, { id: ACS, partition: 'acs' });
    assert.ok(account.ok, JSON.stringify(account));
    const iam = new I.IAMClient(clientConfig({ accessKeyId: account.value.AccessKeyId, secretAccessKey: account.value.SecretAccessKey }));
    const ram = (statements: object[]) => JSON.stringify({ Version: '1', Statement: statements });
    // RAM: the trust policy trusts the account, the caller's own policy allows sts:AssumeRole on the role.
    await iam.send(new I.CreateRoleCommand({ RoleName: 'reader', AssumeRolePolicyDocument: ram([{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { RAM: [`acs:ram::${ACS}:root`] } }]) }));
    await iam.send(new I.PutRolePolicyCommand({ RoleName: 'reader', PolicyName: 'chain', PolicyDocument: ram([{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: `acs:ram::${ACS}:role/auditor` }]) }));
    await iam.send(new I.CreateRoleCommand({ RoleName: 'auditor', AssumeRolePolicyDocument: ram([{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { RAM: [`acs:ram::${ACS}:role/reader`] } }]) }));
    const userWithKey = async (name: string, statements: object[]): Promise<Keys> => {
      await iam.send(new I.CreateUserCommand({ UserName: name }));
      if (statements.length > 0) await iam.send(new I.PutUserPolicyCommand({ UserName: name, PolicyName: 'sts', PolicyDocument: ram(statements) }));
      const k = (await iam.send(new I.CreateAccessKeyCommand({ UserName: name }))).AccessKey;
      return { accessKeyId: k?.AccessKeyId ?? '', secretAccessKey: k?.SecretAccessKey ?? '' };
    };
    bob = await userWithKey('bob', [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: `acs:ram::${ACS}:role/reader` }]);
    eve = await userWithKey('eve', []);
    iam.destroy();
  });

  after(async () => {
    await server?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('ram_role_arn gets a working session of the role, and chains a second role with its SecurityToken', async () => {
    const [first] = await ramRoleArn([{ accessKeyId: bob.accessKeyId, accessKeySecret: bob.secretAccessKey, roleArn: `acs:ram::${ACS}:role/reader`, roleSessionName: 'bob-reads' }]);
    assert.ok(first?.ok, JSON.stringify(first));
    assert.match(first.accessKeyId, /^STS\./);
    const sts = new S.STSClient(clientConfig({ accessKeyId: first.accessKeyId, secretAccessKey: first.accessKeySecret, sessionToken: first.securityToken }));
    assert.equal((await sts.send(new S.GetCallerIdentityCommand({}))).Arn, `acs:ram::${ACS}:role/reader/bob-reads`);
    sts.destroy();

    const [chained] = await ramRoleArn([{ accessKeyId: first.accessKeyId, accessKeySecret: first.accessKeySecret, securityToken: first.securityToken, roleArn: `acs:ram::${ACS}:role/auditor`, roleSessionName: 'audit-1' }]);
    assert.ok(chained?.ok, JSON.stringify(chained));
    const who = await signedGet({ accessKeyId: chained.accessKeyId, secretAccessKey: chained.accessKeySecret, sessionToken: chained.securityToken }, { Action: 'GetCallerIdentity' });
    assert.equal(who.status, 200, JSON.stringify(who.json));
    // Alibaba's GetCallerIdentity writes a role session `assumed-role/…`, where AssumeRole's answer writes `role/…`.
    assert.equal(who.json['Arn'], `acs:ram::${ACS}:assumed-role/auditor/audit-1`);
    assert.equal(who.json['IdentityType'], 'AssumedRoleUser');
    assert.equal(who.json['AccountId'], ACS);
    assert.equal(who.json['UserId'], undefined);
    assert.match(String(who.json['PrincipalId']), new RegExp(`^${String(who.json['RoleId'])}:audit-1$`));
  });

  it('refuses as Alibaba does: a wrong secret, a key of nobody, a caller without sts:AssumeRole, a missing session name', async () => {
    const role = `acs:ram::${ACS}:role/reader`;
    const [badSecret, nobody, denied] = await ramRoleArn([
      { accessKeyId: bob.accessKeyId, accessKeySecret: wrongSecret(bob.secretAccessKey), roleArn: role, roleSessionName: 's-1' },
      { accessKeyId: 'LTAI00000000000000000000', accessKeySecret: 'x'.repeat(30), roleArn: role, roleSessionName: 's-1' },
      // RAM asks the caller's own policies too, though the trust policy trusts the account.
      { accessKeyId: eve.accessKeyId, accessKeySecret: eve.secretAccessKey, roleArn: role, roleSessionName: 's-1' },
    ]);
    // The gateway's message ends in the string to sign, which the client matches with its own: a wrong secret is named.
    assert.ok(badSecret && !badSecret.ok);
    assert.equal(badSecret.message, 'the access key secret is invalid');
    const notFound = alibabaError(nobody);
    assert.equal(notFound.Code, 'InvalidAccessKeyId.NotFound');
    assert.equal(typeof notFound.RequestId, 'string');
    const refused = alibabaError(denied);
    assert.equal(refused.Code, 'NoPermission');
    assert.match(refused.Message ?? '', /eve is not authorized to perform: sts:AssumeRole/);

    const missing = await signedGet(bob, { Action: 'AssumeRole', RoleArn: role });
    assert.equal(missing.status, 400);
    assert.equal(missing.json['Code'], 'MissingRoleSessionName');
  });

  it('GetCallerIdentity answers a RAM user; a nonce used twice and a stale Timestamp are refused', async () => {
    const nonce = randomUUID();
    const who = await signedGet(bob, { Action: 'GetCallerIdentity' }, { nonce });
    assert.equal(who.status, 200, JSON.stringify(who.json));
    assert.equal(who.json['Arn'], `acs:ram::${ACS}:user/bob`);
    assert.equal(who.json['IdentityType'], 'RAMUser');
    assert.equal(who.json['AccountId'], ACS);
    assert.equal(typeof who.json['UserId'], 'string');
    assert.equal(who.json['RoleId'], undefined);
    const again = await signedGet(bob, { Action: 'GetCallerIdentity' }, { nonce });
    assert.equal(again.status, 400);
    assert.equal(again.json['Code'], 'SignatureNonceUsed');
    const stale = await signedGet(bob, { Action: 'GetCallerIdentity' }, { timestamp: new Date(Date.now() - 20 * 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z') });
    assert.equal(stale.status, 400);
    assert.equal(stale.json['Code'], 'InvalidTimeStamp.Expired');
    // Each refusal is recorded under its own code and a fixed description, never the signed text (which would carry
    // an STS key's SecurityToken): `Unknown` hid the dotted codes.
    const root = await server.app.authenticate(JSON.parse(await readFile(join(dir, 'data', ADMIN_CREDENTIALS_FILE), 'utf8')).AccessKeyId as string);
    assert.ok(root.ok);
    await server.app.audit.flush();
    const page = await server.app.audit.query(root.value.caller, { action: 'sts:GetCallerIdentity', decision: 'Deny' }, 0, 1000);
    assert.ok(page.ok);
    const records: readonly AuditRecord[] = page.value.records;
    const codes = records.map((r) => (r.detail as { authentication?: string } | undefined)?.authentication);
    assert.ok(codes.includes('SignatureNonceUsed') && codes.includes('InvalidTimeStamp.Expired'), JSON.stringify(codes));
    assert.ok(!JSON.stringify(records).includes('server string to sign'), JSON.stringify(records));
  });
});
