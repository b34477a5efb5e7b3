/**
 * Review en, 1: Alibaba's AssumeRoleWithOIDC answered a malformed `RoleSessionName` and a `DurationSeconds` outside
 * 900–43,200 with the bare code `InvalidParameter`, where Alibaba's STS answers `InvalidParameter.RoleSessionName` ("The
 * parameter RoleSessionName is wrongly formed.") and `InvalidParameter.DurationSeconds` (Alibaba Cloud, "Common errors
 * when you access OSS by using STS AssumeRole", https://www.alibabacloud.com/help/doc-detail/42775.htm), and as
 * docs/decisions.md and adapters/http/alibaba-sts-api.ts say Gatehouse answers ("bad `InvalidParameter.<Name>`"). A
 * duration over the role's maximum was already `InvalidParameter.DurationSeconds`: the parameters' own checks
 * (`checkAssumeRoleParams`) named no parameter, so the edge could not tell which one was at fault. They now do.
 *
 * The real `@alicloud/credentials` OIDC provider (ACK's RRSA) in a child process, over https (the only scheme it
 * speaks) to a real server with a throwaway certificate from openssl (skips without openssl), an issuer on loopback.
 * Before the fix both tests failed (2 of 2).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as I from '@aws-sdk/client-iam';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { Agent } from 'node:https';
import { ADMIN_CREDENTIALS_FILE, startServer, type RunningServer } from '../src/main/server.ts';
import { startOidcIssuer, type OidcIssuer } from './support/oidc-issuer.ts';

const OPENSSL = ['/usr/bin/openssl', '/bin/openssl'].find((p) => existsSync(p));
const ACS = '350000000011';
const AUD = 'sts.aliyuncs.com';
const SUB = 'system:serviceaccount:ml:trainer';

let dir = '';
let server: RunningServer;
let issuer: OidcIssuer;
let providerArn = '';
const roleArn = `acs:ram::${ACS}:role/rrsa-reader`;

interface Case {
  readonly roleSessionName?: string;
  readonly durationSeconds?: number;
}

/** `@alicloud/credentials`' `oidc_role_arn` provider as an RRSA pod runs it, once per case; the error object each got. */
async function rrsa(cases: readonly Case[]): Promise<({ ok: true } | { ok: false; message: string })[]> {
  const file = join(dir, 'token');
  await writeFile(file, await issuer.mint({ sub: SUB, aud: AUD }));
  const script = `
    import Alibaba from '@alicloud/credentials';
    const out = [];
    for (const c of JSON.parse(process.env.CASES)) {
      try {
        await new Alibaba.default(new Alibaba.Config({ type: 'oidc_role_arn', roleArn: process.env.ROLE_ARN, oidcProviderArn: process.env.PROVIDER_ARN, oidcTokenFilePath: process.env.TOKEN_FILE, stsEndpoint: process.env.STS_ENDPOINT, ...(c.roleSessionName ? { roleSessionName: c.roleSessionName } : {}), ...(c.durationSeconds ? { roleSessionExpiration: c.durationSeconds } : {}) })).getCredential();
        out.push({ ok: true });
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
    ROLE_ARN: roleArn,
    PROVIDER_ARN: providerArn,
    TOKEN_FILE: file,
    CASES: JSON.stringify(cases),
  };
  const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], { cwd: process.cwd(), env, timeout: 60_000 });
  return JSON.parse(stdout) as ({ ok: true } | { ok: false; message: string })[];
}

/** The Alibaba error object the client put in its message (`get sts token failed with OIDC: <body>`). */
function alibabaError(r: { ok: true } | { ok: false; message: string } | undefined): { Code?: string; Message?: string } {
  assert.ok(r && !r.ok, 'the client got credentials');
  const m = /^get sts token failed with OIDC: (.*)$/s.exec(r.message);
  assert.ok(m, `the client's error: ${r.message}`);
  return JSON.parse(m[1] as string) as { Code?: string; Message?: string };
}

describe('en1: AssumeRoleWithOIDC names the parameter at fault in its code', { skip: OPENSSL === undefined ? 'openssl is absent (apt-get install openssl)' : false }, () => {
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gh-en1-'));
    execFileSync(OPENSSL as string, ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
    const ca = await readFile(join(dir, 'cert.pem'), 'utf8');
    issuer = await startOidcIssuer();
    server = await startServer({ dataDir: join(dir, 'data'), listen: '127.0.0.1:0', agentListen: '127.0.0.1:0', s3Listen: 'off', env: {}, log: () => {}, audit: { maxUnwrittenMs: 30_000 }, tlsCert: join(dir, 'cert.pem'), tlsKey: join(dir, 'key.pem') });
    const file = JSON.parse(await readFile(join(dir, 'data', ADMIN_CREDENTIALS_FILE), 'utf8')) as { AccessKeyId: string };
    const root = await server.app.authenticate(file.AccessKeyId);
    assert.ok(root.ok);
    const account = await server.app.createAccount(root.value.caller, { id: ACS, partition: 'acs' });
    assert.ok(account.ok, JSON.stringify(account));
    const admin = { accessKeyId: account.value.AccessKeyId, secretAccessKey: account.value.SecretAccessKey };
    const iam = new I.IAMClient({ endpoint: server.url, region: 'cn-hangzhou', credentials: admin, maxAttempts: 1, requestHandler: new NodeHttpHandler({ httpsAgent: new Agent({ ca }) }) });
    providerArn = (await iam.send(new I.CreateOpenIDConnectProviderCommand({ Url: issuer.url, ClientIDList: [AUD] }))).OpenIDConnectProviderArn ?? '';
    const trust = { Version: '1', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { Federated: [providerArn] }, Condition: { StringEquals: { 'oidc:aud': AUD, 'oidc:sub': SUB } } }] };
    await iam.send(new I.CreateRoleCommand({ RoleName: 'rrsa-reader', AssumeRolePolicyDocument: JSON.stringify(trust), MaxSessionDuration: 43200 }));
    iam.destroy();
  });

  after(async () => {
    await server?.stop();
    await issuer?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('a RoleSessionName RAM does not take is InvalidParameter.RoleSessionName, saying what is wrong', async () => {
    const [plus, long, fine] = await rrsa([{ roleSessionName: 'job+1' }, { roleSessionName: 'a'.repeat(65) }, { roleSessionName: 'job-1' }]);
    const e = alibabaError(plus);
    assert.equal(e.Code, 'InvalidParameter.RoleSessionName');
    assert.match(e.Message ?? '', /'job\+1' at 'roleSessionName'.*\[A-Za-z0-9\.@_-\]/);
    assert.equal(alibabaError(long).Code, 'InvalidParameter.RoleSessionName');
    assert.deepEqual(fine, { ok: true });
  });

  it('a DurationSeconds over 43,200 is InvalidParameter.DurationSeconds, as one over the role maximum is', async () => {
    const [over, max] = await rrsa([{ durationSeconds: 43201 }, { durationSeconds: 43200 }]);
    const e = alibabaError(over);
    assert.equal(e.Code, 'InvalidParameter.DurationSeconds');
    assert.match(e.Message ?? '', /'43201' at 'durationSeconds'/);
    assert.deepEqual(max, { ok: true });
  });
});
