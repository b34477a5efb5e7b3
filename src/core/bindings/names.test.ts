import { test } from 'node:test';
import assert from 'node:assert/strict';
import { federatedPrincipalPrefix, federatedPrincipalProviders, federatedPrincipalUri } from './names.ts';

test('federatedPrincipalProviders reads the account and the provider a principal:// member names, at its first /subject/', () => {
  const cases: [string, ReturnType<typeof federatedPrincipalProviders>][] = [
    ['principal://iam.gatehouse.dev/accounts/123456789012/oidc-providers/idp.example.com/subject/s', { account: '123456789012', hostPath: 'idp.example.com', longer: [] }],
    ['principal://iam.gatehouse.dev/accounts/123456789012/oidc-providers/oidc.eks.us-west-2.amazonaws.com/id/ABC/subject/system:serviceaccount:ml:trainer', { account: '123456789012', hostPath: 'oidc.eks.us-west-2.amazonaws.com/id/ABC', longer: [] }],
    // A trailing slash is part of the provider's name (oidc.ts parseIssuerUrl).
    ['principal://iam.gatehouse.dev/accounts/123456789012/oidc-providers/tenant.auth0.com//subject/s', { account: '123456789012', hostPath: 'tenant.auth0.com/', longer: [] }],
    // `/subject/` inside the subject: the provider ends at the first (review vg, 2); the longer readings name none.
    ['principal://iam.gatehouse.dev/accounts/123456789012/oidc-providers/h/subject/a/subject/b', { account: '123456789012', hostPath: 'h', longer: ['h/subject/a'] }],
    ['principal://iam.gatehouse.dev/pools/p/subject/s', undefined],
    ['user:alice', undefined],
  ];
  for (const [member, want] of cases) assert.deepEqual(federatedPrincipalProviders(member), want, member);
});

test('the member a session carries reads back as its provider, and starts with its prefix', () => {
  for (const hostPath of ['idp.example.com', 'tenant.auth0.com/', '127.0.0.1:8470/x']) {
    const uri = federatedPrincipalUri(`arn:aws:iam::123456789012:oidc-provider/${hostPath}`, 'repo:ml/train') ?? '';
    assert.equal(federatedPrincipalProviders(uri)?.hostPath, hostPath, uri);
    assert.ok(uri.startsWith(federatedPrincipalPrefix('123456789012', hostPath)), uri);
  }
});

test('a provider whose name holds /subject/ carries no URI: it would read as another provider’s subject', () => {
  assert.equal(federatedPrincipalUri('arn:aws:iam::123456789012:oidc-provider/h/subject/a', 'b'), undefined);
  assert.equal(federatedPrincipalUri('arn:aws:iam::123456789012:oidc-provider/h', 'a/subject/b'), 'principal://iam.gatehouse.dev/accounts/123456789012/oidc-providers/h/subject/a/subject/b');
});
