/**
 * Review ac, finding 3: the TokenReview webhook answered `status.audiences` with every audience the review asked
 * about. Upstream (authentication/v1 `TokenReviewStatus`) defines it as the intersection of the asked audiences and the
 * token's own, and kube-apiserver's webhook authenticator accepts the token for exactly those (plugin/pkg/authenticator/
 * token/webhook/webhook.go: `wantAuds.Intersect(status.audiences or its implicit audiences)`). A `k8s-aws-v1.` token
 * is signed for one cluster's API server, but the echo made it valid for any audience: a TokenReview made through the
 * API for a service's own audience (`vault`) authenticated a cluster token. Now the answer names only the asked audiences that
 * are the API server's (as credential-protocols §7.2's example), none otherwise, which means "the API server's":
 * kube-apiserver's own requests pass, another audience's do not. Real server; TokenReviews
 * POSTed as kube-apiserver sends them (v1 and v1beta1), with a token presigned as `aws eks get-token` makes it.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { gatehouseJson } from './support/resource-server.ts';
import { REGION, startTestServer, type Credentials, type TestServer } from './support/server.ts';

let server: TestServer;
let bearer = '';
let carol: Credentials;
const API_AUDIENCES = ['https://kubernetes.default.svc'];

async function token(creds: Credentials, cluster: string): Promise<string> {
  const u = new URL(server.url);
  const signer = new SignatureV4({ service: 'sts', region: REGION, credentials: creds, sha256: Sha256 });
  const p = await signer.presign(
    { method: 'GET', protocol: u.protocol, hostname: u.hostname, port: Number(u.port), path: '/', query: { Action: 'GetCallerIdentity', Version: '2011-06-15' }, headers: { host: u.host, 'x-k8s-aws-id': cluster } },
    { expiresIn: 60 },
  );
  return `k8s-aws-v1.${Buffer.from(`${u.protocol}//${u.host}/?${new URLSearchParams(p.query as Record<string, string>).toString()}`).toString('base64url')}`;
}

interface Status {
  readonly authenticated: boolean;
  readonly audiences?: string[];
  readonly user?: { username: string };
}

async function review(apiVersion: string, spec: Record<string, unknown>): Promise<Status> {
  const r = await fetch(`${server.url}/k8s/k1/authenticate`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${bearer}` }, body: JSON.stringify({ apiVersion, kind: 'TokenReview', spec }) });
  const json = (await r.json()) as Record<string, unknown>;
  assert.equal(r.status, 200, JSON.stringify(json));
  assert.equal(json['apiVersion'], apiVersion);
  return json['status'] as Status;
}

/** kube-apiserver's webhook token authenticator: the audiences it takes the token for (empty: not authenticated). */
function acceptedFor(want: readonly string[], s: Status): string[] {
  if (!s.authenticated) return [];
  const got = s.audiences !== undefined && s.audiences.length > 0 ? s.audiences : API_AUDIENCES;
  return want.filter((a) => got.includes(a));
}

before(async () => {
  server = await startTestServer();
  const acct = server.adminFile.AccountId;
  const doc = (kind: string, name: string, spec: Record<string, unknown>) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name }, spec });
  const applied = await gatehouseJson(server.url, server.admin, 'POST', '/v1/apply', {
    documents: [doc('Cluster', 'k1', {}), doc('User', 'carol', {}), doc('AccessEntry', 'carol', { cluster: 'k1', principalArn: `arn:aws:iam::${acct}:user/carol`, kubernetesGroups: ['devs'] })],
  });
  assert.equal(applied.status, 200, JSON.stringify(applied.json));
  bearer = String((await gatehouseJson(server.url, server.admin, 'POST', '/v1/clusters/k1/webhook-config', {})).json['token']);
  const k = await gatehouseJson(server.url, server.admin, 'POST', '/v1/access-keys', { userName: 'carol' });
  carol = { accessKeyId: String(k.json['accessKeyId']), secretAccessKey: String(k.json['secretAccessKey']) };
});
after(() => server?.stop());

describe('TokenReview audiences (review ac, 3)', () => {
  it('kube-apiserver’s own audience-limited request: authenticated, for its audiences', async () => {
    for (const v of ['authentication.k8s.io/v1', 'authentication.k8s.io/v1beta1']) {
      const s = await review(v, { token: await token(carol, 'k1'), audiences: API_AUDIENCES });
      assert.equal(s.authenticated, true, JSON.stringify(s));
      assert.deepEqual(acceptedFor(API_AUDIENCES, s), API_AUDIENCES);
      // Named as credential-protocols §7.2's example names it.
      assert.deepEqual(s.audiences, API_AUDIENCES);
    }
  });

  it('the API server\'s audience and another asked together: only the API server\'s is named', async () => {
    const s = await review('authentication.k8s.io/v1', { token: await token(carol, 'k1'), audiences: ['vault', ...API_AUDIENCES] });
    assert.deepEqual(s.audiences, API_AUDIENCES, JSON.stringify(s));
    assert.deepEqual(acceptedFor(['vault'], s), []);
  });

  it('a TokenReview for another audience: the answer does not claim the cluster token is for it', async () => {
    const s = await review('authentication.k8s.io/v1', { token: await token(carol, 'k1'), audiences: ['vault'] });
    assert.equal(s.audiences, undefined, JSON.stringify(s));
    assert.deepEqual(acceptedFor(['vault'], s), []);
  });

  it('a review naming no audience: authenticated, without audiences', async () => {
    const s = await review('authentication.k8s.io/v1', { token: await token(carol, 'k1') });
    assert.equal(s.authenticated, true);
    assert.equal(s.audiences, undefined);
  });
});
