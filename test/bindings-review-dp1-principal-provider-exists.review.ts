/**
 * Review dp, 1: a `principal://iam.gatehouse.dev/accounts/ACCOUNT/oidc-providers/HOST/PATH/subject/SUB` member was
 * checked for its shape only (review dl, 4), so one naming an OIDC provider the account does not have (a typo in the
 * host, a provider not yet registered, another account's id) was stored, granted nothing, and granted the subject of
 * whatever provider was registered later under that name — where a `user:`, `group:` or `serviceAccount:` naming no one
 * is refused at write, and GCP refuses a principal of a workload identity pool that does not exist. Now the provider
 * must be registered in the account the member names (another account's, as for `serviceAccount:`), through
 * `PUT /v1/iam-policies` and `gatehouse apply` alike (`VALIDATION_ERROR` at `bindings[i].members[j]`, the code of the
 * refusal of `user:ghost`); nothing is written. And when a provider is deleted, its members leave every policy: its
 * sessions, which outlive it, lose what the bindings gave them at once, a policy read back can be written again, and a
 * provider registered again under the URL starts without them (docs/semantics.md, bindings' members).
 * Real server, an OIDC issuer on loopback, the AWS SDK v3 IAM and STS clients, the gatehouse CLI in process.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as I from '@aws-sdk/client-iam';
import * as S from '@aws-sdk/client-sts';
import { startOidcIssuer, type OidcIssuer } from './support/oidc-issuer.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { cliAgainst, REGION, startTestServer, type Credentials, type TestServer } from './support/server.ts';

const A = '000000000000';
const B = '222233334444';
const MODEL = `arn:aws:training::${A}:model/dp1`;
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const subject = (account: string, hostPath: string, sub = 'repo:ml/train') => `principal://iam.gatehouse.dev/accounts/${account}/oidc-providers/${hostPath}/subject/${sub}`;

let server: TestServer;
let issuer: OidcIssuer;
let adminB: Credentials;
let dir: string;

type Detail = { code: string; path: string; message: string };
const put = (bindings: unknown[], resource = MODEL) => gatehouseJson(server.url, server.admin, 'PUT', '/v1/iam-policies', { resource, bindings });
const read = async (resource = MODEL) => (await gatehouseJson(server.url, server.admin, 'GET', `/v1/iam-policies?resource=${encodeURIComponent(resource)}`)).json as { bindings: { role: string; members: string[] }[]; etag: string };
const details = (r: { json: Record<string, unknown> }): Detail[] => (r.json['error'] as { details: Detail[] }).details;

before(async () => {
  issuer = await startOidcIssuer();
  server = await startTestServer();
  dir = await mkdtemp(join(tmpdir(), 'gh-dp1-'));
  await server.iam().send(new I.CreateUserCommand({ UserName: 'ann' }));
  await server.iam().send(new I.CreateOpenIDConnectProviderCommand({ Url: issuer.url, ClientIDList: ['sts.amazonaws.com'] }));
  const b = await gatehouseJson(server.url, server.admin, 'POST', '/v1/accounts', { id: B, partition: 'aws' });
  assert.equal(b.status, 201, JSON.stringify(b.json));
  adminB = { accessKeyId: String(b.json['AccessKeyId']), secretAccessKey: String(b.json['SecretAccessKey']) };
});
after(async () => {
  await server?.stop();
  await issuer?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

test('PUT: a principal:// member must name an OIDC provider the account it names has; nothing is written otherwise', async () => {
  const good = subject(A, issuer.hostPath);
  const first = await put([{ role: 'roles/ml.viewer', members: ['user:ann', good] }]);
  assert.equal(first.status, 200, JSON.stringify(first.json));
  const etag = (await read()).etag;
  const cases: [string, RegExp][] = [
    [subject(A, 'idp.example.com'), /account 000000000000 has no OIDC provider `idp\.example\.com`: register it first \(CreateOpenIDConnectProvider\)/],
    // The host as registered (lower case): the engine matches the URI exactly, as a session carries it.
    [subject(A, issuer.hostPath.replace('127.0.0.1', 'LOCALHOST')), /has no OIDC provider `LOCALHOST:\d+`/],
    [subject(A, `${issuer.hostPath}/tenant`), /has no OIDC provider `127\.0\.0\.1:\d+\/tenant`/],
    // Another account's id: B has registered no provider yet.
    [subject(B, issuer.hostPath), /account 222233334444 has no OIDC provider `127\.0\.0\.1:\d+`/],
    [subject('111111111111', issuer.hostPath), /account 111111111111 has no OIDC provider/],
  ];
  for (const [member, message] of cases) {
    const r = await put([{ role: 'roles/ml.viewer', members: ['user:ann', member] }]);
    assert.equal(r.status, 400, `${member}: ${JSON.stringify(r.json)}`);
    const d = details(r)[0];
    assert.equal(d?.code, 'VALIDATION_ERROR', member);
    assert.equal(d?.path, 'bindings[0].members[1]', member);
    assert.match(d?.message ?? '', message, member);
  }
  assert.equal((await read()).etag, etag, 'nothing was written');
});

test('PUT: another account’s provider may be named once that account has it, as a serviceAccount: of another account', async () => {
  await server.iam(adminB).send(new I.CreateOpenIDConnectProviderCommand({ Url: issuer.url, ClientIDList: ['sts.amazonaws.com'] }));
  const r = await put([{ role: 'roles/ml.viewer', members: ['user:ann', subject(A, issuer.hostPath), subject(B, issuer.hostPath)] }]);
  assert.equal(r.status, 200, JSON.stringify(r.json));
});

test('gatehouse apply refuses a member naming no provider, at its line; one naming a registered provider applies', async () => {
  const policy = (member: string) => ['apiVersion: gatehouse.dev/v1', 'kind: IamPolicy', 'metadata: {name: dp1-apply}', 'spec:', `  resource: arn:aws:training::${A}:model/dp1-apply`, '  bindings:', '    - role: roles/ml.viewer', `      members: ["user:newbie", "${member}"]`];
  const user = ['apiVersion: gatehouse.dev/v1', 'kind: User', 'metadata: {name: newbie}', 'spec: {}', '---'];
  const bad = join(dir, 'bad.yaml');
  await writeFile(bad, [...user, ...policy(subject(A, 'idp.example.com')), ''].join('\n'));
  const refused = await cliAgainst(server, ['apply', '-f', bad]);
  assert.notEqual(refused.status, 0, refused.out);
  assert.match(refused.err, /bad\.yaml:\d+:\d+: .*spec\.bindings\[0\]\.members\[1\]: member `principal:\/\/iam\.gatehouse\.dev\/accounts\/000000000000\/oidc-providers\/idp\.example\.com\/subject\/repo:ml\/train`: account 000000000000 has no OIDC provider `idp\.example\.com`/);
  assert.deepEqual((await read(`arn:aws:training::${A}:model/dp1-apply`)).bindings ?? [], [], 'nothing was written');
  // The user the same files create is known, the registered provider too.
  const good = join(dir, 'good.yaml');
  await writeFile(good, [...user, ...policy(subject(A, issuer.hostPath)), ''].join('\n'));
  const applied = await cliAgainst(server, ['apply', '-f', good]);
  assert.equal(applied.status, 0, applied.err);
  assert.deepEqual((await read(`arn:aws:training::${A}:model/dp1-apply`)).bindings, [{ role: 'roles/ml.viewer', members: ['user:newbie', subject(A, issuer.hostPath)] }]);
});

test('a deleted provider’s members leave every policy: its live sessions lose the grant, the policy can be written back', async () => {
  const providerArn = `arn:aws:iam::${A}:oidc-provider/${issuer.hostPath}`;
  await server.iam().send(new I.CreateRoleCommand({ RoleName: 'dp1-wi', AssumeRolePolicyDocument: doc({ Effect: 'Allow', Principal: { Federated: providerArn }, Action: 'sts:AssumeRoleWithWebIdentity' }) }));
  const ours = subject(A, issuer.hostPath);
  const theirs = subject(B, issuer.hostPath);
  const set = await put([
    { role: 'roles/ml.viewer', members: ['user:ann', ours, theirs] },
    { role: 'roles/ml.developer', members: [ours] },
  ]);
  assert.equal(set.status, 200, JSON.stringify(set.json));
  const sts = new S.STSClient({ endpoint: server.url, region: REGION, maxAttempts: 1, credentials: () => Promise.reject(new Error('unsigned')) });
  const c = (await sts.send(new S.AssumeRoleWithWebIdentityCommand({ RoleArn: `arn:aws:iam::${A}:role/dp1-wi`, RoleSessionName: 'dp1', WebIdentityToken: await issuer.mint() }))).Credentials;
  sts.destroy();
  const session: Credentials = { accessKeyId: c?.AccessKeyId ?? '', secretAccessKey: c?.SecretAccessKey ?? '', sessionToken: c?.SessionToken ?? '' };
  const asked = async () => (await gatehouseJson(server.url, session, 'POST', '/v1/authorize', { action: 'training:GetModel', resource: MODEL })).json['decision'];
  assert.equal(await asked(), 'Allow');
  const before = (await read()).etag;

  await server.iam().send(new I.DeleteOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: providerArn }));
  const after = await read();
  // B's provider of the same URL is another provider, still registered: its member stays.
  assert.deepEqual(after.bindings, [{ role: 'roles/ml.viewer', members: ['user:ann', theirs] }]);
  assert.notEqual(after.etag, before, 'the policy moved to its next revision');
  assert.equal(await asked(), 'ImplicitDeny', 'the session outlives its provider, not its grant');
  // Read back and written again, with its etag, the policy goes through.
  const again = await gatehouseJson(server.url, server.admin, 'PUT', '/v1/iam-policies', { resource: MODEL, bindings: after.bindings, etag: after.etag });
  assert.equal(again.status, 200, JSON.stringify(again.json));
  // Registered again under the URL, the provider starts without the grants.
  await server.iam().send(new I.CreateOpenIDConnectProviderCommand({ Url: issuer.url, ClientIDList: ['sts.amazonaws.com'] }));
  assert.deepEqual((await read()).bindings, [{ role: 'roles/ml.viewer', members: ['user:ann', theirs] }]);
  // The policy applied before lost its member too.
  assert.deepEqual((await read(`arn:aws:training::${A}:model/dp1-apply`)).bindings, [{ role: 'roles/ml.viewer', members: ['user:newbie'] }]);
});
