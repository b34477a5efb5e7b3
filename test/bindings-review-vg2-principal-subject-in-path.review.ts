/**
 * Review vg, 2: a `principal://iam.gatehouse.dev/accounts/A/oidc-providers/HOST/PATH/subject/SUB` member is read at
 * its `/subject/`, but a provider's path may hold `/subject/` too, so one URI named two identities: provider
 * `idp.example.com/a`'s subject `b/subject/ci` and provider `idp.example.com/a/subject/b`'s subject `ci` are the same
 * string, and a binding granting the first was matched by a session of the second (a token the other issuer minted).
 * GCP's pool ids hold no `/`, so its subject starts at the first `/subject/`; Gatehouse now reads it so too: the provider
 * ends at the first `/subject/`. A provider whose URL holds `/subject/` cannot be named by a member (its sessions carry
 * no principal URI, so none matches them), and a member that would name it is refused at write, saying why and what
 * to bind instead. Real server, OIDC providers with inline keys, SDK v3 IAM and STS, SigV4-signed /v1/ requests.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import * as S from '@aws-sdk/client-sts';
import { generateKeyPair, SignJWT } from 'jose';
import { withInlineJwks } from './support/inline-jwks.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { REGION, startTestServer, type Credentials, type TestServer } from './support/server.ts';

const A = '000000000000';
const MODEL = `arn:aws:training::${A}:model/vg2`;
const SHORT = 'idp.example.com/a';
const LONG = 'idp.example.com/a/subject/b';
const ONLY_LONG = 'idp.example.com/x/subject/y';
const member = (hostPath: string, sub: string) => `principal://iam.gatehouse.dev/accounts/${A}/oidc-providers/${hostPath}/subject/${sub}`;
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });

describe('review vg2: a principal:// member names one identity', () => {
  let s: TestServer;
  const key = generateKeyPair('ES256', { extractable: true });
  before(async () => {
    s = await startTestServer();
    const iam = await withInlineJwks(s.iam(), (await key).publicKey, 'mine');
    for (const h of [SHORT, LONG, ONLY_LONG]) await iam.send(new I.CreateOpenIDConnectProviderCommand({ Url: `https://${h}`, ClientIDList: ['sts.amazonaws.com'] }));
    const Federated = [SHORT, LONG].map((h) => `arn:aws:iam::${A}:oidc-provider/${h}`);
    await iam.send(new I.CreateRoleCommand({ RoleName: 'vg2-wi', AssumeRolePolicyDocument: doc({ Effect: 'Allow', Principal: { Federated }, Action: 'sts:AssumeRoleWithWebIdentity' }) }));
  });
  after(() => s?.stop());

  const sessionOf = async (hostPath: string, sub: string): Promise<Credentials> => {
    const token = await new SignJWT({ sub }).setProtectedHeader({ alg: 'ES256', kid: 'mine' }).setIssuer(`https://${hostPath}`).setAudience('sts.amazonaws.com').setIssuedAt().setExpirationTime('10m').sign((await key).privateKey);
    const sts = new S.STSClient({ endpoint: s.url, region: REGION, maxAttempts: 1, credentials: () => Promise.reject(new Error('unsigned')) });
    try {
      const c = (await sts.send(new S.AssumeRoleWithWebIdentityCommand({ RoleArn: `arn:aws:iam::${A}:role/vg2-wi`, RoleSessionName: 'vg2', WebIdentityToken: token }))).Credentials;
      return { accessKeyId: c?.AccessKeyId ?? '', secretAccessKey: c?.SecretAccessKey ?? '', sessionToken: c?.SessionToken ?? '' };
    } finally {
      sts.destroy();
    }
  };
  const asked = async (c: Credentials) => (await gatehouseJson(s.url, c, 'POST', '/v1/authorize', { action: 'training:GetModel', resource: MODEL })).json['decision'];

  it("a binding to provider a's subject `b/subject/ci` lets that subject in, not provider a/subject/b's `ci`", async () => {
    const bound = member(SHORT, 'b/subject/ci');
    const put = await gatehouseJson(s.url, s.admin, 'PUT', '/v1/iam-policies', { resource: MODEL, bindings: [{ role: 'roles/ml.viewer', members: [bound] }] });
    assert.equal(put.status, 200, JSON.stringify(put.json));
    assert.equal(bound, member(LONG, 'ci'), 'one string, two readings');
    assert.equal(await asked(await sessionOf(SHORT, 'b/subject/ci')), 'Allow');
    assert.equal(await asked(await sessionOf(LONG, 'ci')), 'ImplicitDeny', 'another issuer’s token is not the subject bound');
  });

  it('a member naming a provider whose URL holds /subject/ is refused, saying why; nothing is written', async () => {
    const r = await gatehouseJson(s.url, s.admin, 'PUT', '/v1/iam-policies', { resource: `${MODEL}-2`, bindings: [{ role: 'roles/ml.viewer', members: [member(ONLY_LONG, 'ci')] }] });
    assert.equal(r.status, 400, JSON.stringify(r.json));
    const d = (r.json['error'] as { details: { code: string; path: string; message: string }[] }).details[0];
    assert.equal(d?.code, 'VALIDATION_ERROR', JSON.stringify(r.json));
    assert.equal(d?.path, 'bindings[0].members[0]', JSON.stringify(r.json));
    assert.match(d?.message ?? '', /`idp\.example\.com\/x\/subject\/y`.*holds `\/subject\/`.*serviceAccount:/, d?.message);
    const read = await gatehouseJson(s.url, s.admin, 'GET', `/v1/iam-policies?resource=${encodeURIComponent(`${MODEL}-2`)}`);
    assert.deepEqual((read.json['bindings'] as unknown[] | undefined) ?? [], [], 'nothing was written');
  });
});
