/**
 * Review dg, 1: Gatehouse serves RAM roles, but its STS did not answer Alibaba Cloud's `AssumeRoleWithOIDC`, what ACK's
 * RRSA pods call through `@alicloud/credentials`' OIDC provider (env `ALIBABA_CLOUD_ROLE_ARN`,
 * `ALIBABA_CLOUD_OIDC_PROVIDER_ARN`, `ALIBABA_CLOUD_OIDC_TOKEN_FILE`; credential-protocols §4.3): the request
 * (`POST /?Action=AssumeRoleWithOIDC&Version=2015-04-01&Format=JSON`) was taken for an IAM call and answered
 * `InvalidAction` in XML, which the client reports as "get sts token failed with OIDC: <?xml …".
 *
 * Now it is answered in Alibaba's JSON: a token of the provider the call names, verified as AssumeRoleWithWebIdentity
 * verifies one, opens a session of the role when its trust policy allows the provider `sts:AssumeRole` (RAM's keys
 * `oidc:iss`, `oidc:aud`, `oidc:sub`), recorded in the audit log; refusals carry Alibaba's codes.
 *
 * The real client, in a child process: it speaks https only and takes no CA but the process's (NODE_EXTRA_CA_CERTS),
 * its endpoint set in code (`stsEndpoint`), as nothing else can point it elsewhere. A real server with a throwaway
 * certificate from openssl (skips without openssl), and an issuer on loopback.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { Agent, request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as I from '@aws-sdk/client-iam';
import * as S from '@aws-sdk/client-sts';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { SignatureV4 } from '@smithy/signature-v4';
import { Sha256 } from '@aws-crypto/sha256-js';
import { startServer, ADMIN_CREDENTIALS_FILE, type RunningServer } from '../src/main/server.ts';
import { startOidcIssuer, type OidcIssuer } from './support/oidc-issuer.ts';
import { settled } from './support/settle.ts';

const OPENSSL = ['/usr/bin/openssl', '/bin/openssl'].find((p) => existsSync(p));
const ACS = '350000000001';
const REGION = 'cn-hangzhou';
const SUB = 'system:serviceaccount:ml:trainer';
const AUD = 'sts.aliyuncs.com';

interface Keys {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

let dir = '';
let ca = '';
let server: RunningServer;
let issuer: OidcIssuer;
let acsAdmin: Keys;
let providerArn = '';
const agent = () => new Agent({ ca });

/** A SigV4-signed JSON request to `/v1/` over https, trusting the test's certificate. */
async function v1(keys: Keys, method: string, path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const u = new URL(server.url);
  const text = body === undefined ? '' : JSON.stringify(body);
  const q = path.indexOf('?');
  const query: Record<string, string> = {};
  if (q !== -1) for (const [k, v] of new URLSearchParams(path.slice(q + 1))) query[k] = v;
  const signed = await new SignatureV4({ service: 'gatehouse', region: REGION, credentials: keys, sha256: Sha256 }).sign({
    method,
    protocol: 'https:',
    hostname: u.hostname,
    port: Number(u.port),
    path: q === -1 ? path : path.slice(0, q),
    ...(q === -1 ? {} : { query }),
    headers: { host: u.host, 'content-type': 'application/json' },
    body: text,
  });
  return new Promise((resolve, reject) => {
    const req = request(`${u.origin}${path}`, { method, headers: signed.headers, agent: agent() }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, json: raw === '' ? {} : (JSON.parse(raw) as Record<string, unknown>) });
      });
    });
    req.on('error', reject);
    req.end(text);
  });
}

const clientConfig = (credentials: Keys) => ({ endpoint: server.url, region: REGION, credentials, maxAttempts: 1, requestHandler: new NodeHttpHandler({ httpsAgent: agent() }) });

/**
 * `@alicloud/credentials` as an RRSA pod runs it: the role, provider and token file from the environment, `stsEndpoint`
 * in code. One child process for every case (each a `Credential` of its own); what each got, or the error it threw.
 */
async function rrsaClient(cases: readonly { roleArn: string; providerArn: string; token: string }[]): Promise<({ ok: true; accessKeyId: string; accessKeySecret: string; securityToken: string } | { ok: false; message: string })[]> {
  const files: string[] = [];
  for (const [i, c] of cases.entries()) {
    const file = join(dir, `token-${i}`);
    await writeFile(file, c.token);
    files.push(file);
  }
  const script = `
    import Alibaba from '@alicloud/credentials';
    const cases = JSON.parse(process.env.CASES);
    const out = [];
    for (const c of cases) {
      process.env.ALIBABA_CLOUD_ROLE_ARN = c.roleArn;
      process.env.ALIBABA_CLOUD_OIDC_PROVIDER_ARN = c.providerArn;
      process.env.ALIBABA_CLOUD_OIDC_TOKEN_FILE = c.file;
      process.env.ALIBABA_CLOUD_ROLE_SESSION_NAME = 'rrsa-trainer';
      try {
        const cred = await new Alibaba.default(new Alibaba.Config({ type: 'oidc_role_arn', stsEndpoint: process.env.STS_ENDPOINT })).getCredential();
        out.push({ ok: true, accessKeyId: cred.accessKeyId, accessKeySecret: cred.accessKeySecret, securityToken: cred.securityToken });
      } catch (e) {
        out.push({ ok: false, message: String(e && e.message) });
      }
    }
    process.stdout.write(JSON.stringify(out));
    process.exit(0);
  `;
  const env = {
    PATH: process.env['PATH'] ?? '',
    HOME: dir,
    NODE_EXTRA_CA_CERTS: join(dir, 'cert.pem'),
    STS_ENDPOINT: new URL(server.url).host,
    CASES: JSON.stringify(cases.map((c, i) => ({ roleArn: c.roleArn, providerArn: c.providerArn, file: files[i] }))),
  };
  const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], { cwd: process.cwd(), env, timeout: 60_000 });
  return JSON.parse(stdout) as ({ ok: true; accessKeyId: string; accessKeySecret: string; securityToken: string } | { ok: false; message: string })[];
}

/** The Alibaba error object the client put in its message (`get sts token failed with OIDC: <body>`). */
function alibabaError(r: { ok: boolean; message?: string }): { Code?: string; Message?: string; RequestId?: string } {
  assert.equal(r.ok, false, 'the client got credentials');
  const m = /^get sts token failed with OIDC: (.*)$/s.exec(r.message ?? '');
  assert.ok(m, `the client's error: ${r.message}`);
  return JSON.parse(m[1] as string) as { Code?: string; Message?: string };
}

describe('dg1: Alibaba AssumeRoleWithOIDC with the real @alicloud/credentials client', { skip: OPENSSL === undefined ? 'openssl is absent (apt-get install openssl)' : false }, () => {
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gh-dg1-'));
    execFileSync(OPENSSL as string, ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
    ca = await readFile(join(dir, 'cert.pem'), 'utf8');
    issuer = await startOidcIssuer();
    server = await startServer({ dataDir: join(dir, 'data'), listen: '127.0.0.1:0', agentListen: '127.0.0.1:0', s3Listen: 'off', env: {}, log: () => {}, audit: { maxUnwrittenMs: 30_000 }, tlsCert: join(dir, 'cert.pem'), tlsKey: join(dir, 'key.pem') });
    const file = JSON.parse(await readFile(join(dir, 'data', ADMIN_CREDENTIALS_FILE), 'utf8')) as { AccessKeyId: string; SecretAccessKey: string };
    const acct = await v1({ accessKeyId: file.AccessKeyId, secretAccessKey: file.SecretAccessKey }, 'POST', '/v1/accounts', { id: ACS, partition: 'acs' });
    assert.equal(acct.status, 201, JSON.stringify(acct.json));
    acsAdmin = { accessKeyId: String(acct.json['AccessKeyId']), secretAccessKey: String(acct.json['SecretAccessKey']) };
    const iam = new I.IAMClient(clientConfig(acsAdmin));
    // The RAM OIDC provider of the cluster's issuer, its client id RRSA's audience.
    providerArn = (await iam.send(new I.CreateOpenIDConnectProviderCommand({ Url: issuer.url, ClientIDList: [AUD] }))).OpenIDConnectProviderArn ?? '';
    assert.equal(providerArn, `acs:ram::${ACS}:oidc-provider/${issuer.hostPath}`);
    // The trust policy RRSA's documentation gives a role: the provider, `sts:AssumeRole`, conditions on oidc:iss/aud/sub.
    const trust = { Version: '1', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { Federated: [providerArn] }, Condition: { StringEquals: { 'oidc:iss': issuer.url, 'oidc:aud': AUD, 'oidc:sub': SUB } } }] };
    await iam.send(new I.CreateRoleCommand({ RoleName: 'rrsa-reader', AssumeRolePolicyDocument: JSON.stringify(trust) }));
    // A role that trusts the account only, not the provider.
    await iam.send(new I.CreateRoleCommand({ RoleName: 'ram-only', AssumeRolePolicyDocument: JSON.stringify({ Version: '1', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { RAM: [`acs:ram::${ACS}:root`] } }] }) }));
    iam.destroy();
  });

  after(async () => {
    await server?.stop();
    await issuer?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('issues working credentials, recorded, and refuses with the codes Alibaba STS answers', async () => {
    const role = (name: string) => `acs:ram::${ACS}:role/${name}`;
    const [good, expired, audience, untrusted, missing, unregistered, otherSubject] = await rrsaClient([
      { roleArn: role('rrsa-reader'), providerArn, token: await issuer.mint({ sub: SUB, aud: AUD }) },
      { roleArn: role('rrsa-reader'), providerArn, token: await issuer.mint({ sub: SUB, aud: AUD }, { iatIn: -900, expIn: -300 }) },
      { roleArn: role('rrsa-reader'), providerArn, token: await issuer.mint({ sub: SUB, aud: 'another-client' }) },
      { roleArn: role('ram-only'), providerArn, token: await issuer.mint({ sub: SUB, aud: AUD }) },
      { roleArn: role('no-such-role'), providerArn, token: await issuer.mint({ sub: SUB, aud: AUD }) },
      { roleArn: role('rrsa-reader'), providerArn: `acs:ram::${ACS}:oidc-provider/ack-rrsa-unknown`, token: await issuer.mint({ sub: SUB, aud: AUD }) },
      { roleArn: role('rrsa-reader'), providerArn, token: await issuer.mint({ sub: 'system:serviceaccount:ml:intruder', aud: AUD }) },
    ]);

    // Success: an STS key of the acs partition that Gatehouse takes, as the role's session.
    assert.ok(good?.ok, JSON.stringify(good));
    if (!good?.ok) return;
    assert.match(good.accessKeyId, /^STS\./);
    const sts = new S.STSClient(clientConfig({ accessKeyId: good.accessKeyId, secretAccessKey: good.accessKeySecret, sessionToken: good.securityToken }));
    const who = await sts.send(new S.GetCallerIdentityCommand({}));
    sts.destroy();
    assert.equal(who.Account, ACS);
    assert.match(who.Arn ?? '', /^acs:ram::350000000001:(assumed-)?role\/rrsa-reader\/rrsa-trainer$/);

    assert.equal(alibabaError(expired ?? { ok: true }).Code, 'AuthenticationFail.OIDCToken.Expired');
    assert.equal(alibabaError(audience ?? { ok: true }).Code, 'AuthenticationFail.OIDCToken.AudienceNotMatch');
    const notTrusted = alibabaError(untrusted ?? { ok: true });
    assert.equal(notTrusted.Code, 'AuthenticationFail.NoPermission');
    assert.equal(alibabaError(otherSubject ?? { ok: true }).Code, 'AuthenticationFail.NoPermission');
    // A missing role is refused as one that does not trust the provider (review cy3): a token does not list the roles.
    const noRole = alibabaError(missing ?? { ok: true });
    assert.equal(noRole.Code, 'AuthenticationFail.NoPermission');
    const words = (m: string | undefined, name: string) => (m ?? '').replace(name, '<role>').replace(/(Encoded authorization failure message: )\S+$/, '$1<blob>');
    assert.equal(words(noRole.Message, 'no-such-role'), words(notTrusted.Message, 'ram-only'));
    const noProvider = alibabaError(unregistered ?? { ok: true });
    assert.equal(noProvider.Code, 'AuthenticationFail.NoPermission');
    assert.match(noProvider.Message ?? '', /^No such OIDC Provider registered/);

    // Every issuance and refusal is in the audit log, under the provider's ARN once the token verified.
    const since = new Date(Date.now() - 120_000).toISOString();
    type Rec = { action?: string; decision?: string; principal?: string; role?: string; session?: string };
    // Written in the background: read until all seven are there, to a bound of time (settle.ts), not 50 tries.
    const records = await settled(
      async () => {
        const r = await v1(acsAdmin, 'GET', `/v1/audit?action=${encodeURIComponent('sts:AssumeRoleWithOIDC')}&since=${encodeURIComponent(since)}&limit=100`);
        assert.equal(r.status, 200, JSON.stringify(r.json));
        return r.json['records'] as Rec[];
      },
      (got) => got.length >= 7,
    );
    const issued = records.filter((x) => x.decision === 'Allow');
    assert.equal(issued.length, 1, JSON.stringify(records));
    assert.equal(issued[0]?.principal, providerArn);
    assert.equal(issued[0]?.role, role('rrsa-reader'));
    assert.equal(records.filter((x) => x.decision === 'Deny').length, 6, JSON.stringify(records));
  });

  it('answers another action of Alibaba STS InvalidAction.NotFound in JSON, and a missing parameter Missing<Name>', async () => {
    const post = (query: string, body: string) =>
      new Promise<{ status: number; json: Record<string, unknown> }>((resolve, reject) => {
        const req = request(`${server.url}/?${query}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, agent: agent() }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown> }));
        });
        req.on('error', reject);
        req.end(body);
      });
    const other = await post('Action=AssumeRoleWithSAML&Version=2015-04-01&Format=JSON', '');
    assert.equal(other.status, 404);
    assert.equal(other.json['Code'], 'InvalidAction.NotFound');
    const noToken = await post('Action=AssumeRoleWithOIDC&Version=2015-04-01&Format=JSON', new URLSearchParams({ OIDCProviderArn: providerArn, RoleArn: `acs:ram::${ACS}:role/rrsa-reader`, RoleSessionName: 'x1' }).toString());
    assert.equal(noToken.status, 400);
    assert.equal(noToken.json['Code'], 'MissingOIDCToken');
    assert.equal(typeof noToken.json['RequestId'], 'string');
  });
});
