import { test } from 'node:test';
import assert from 'node:assert/strict';
import { federatedPrincipalPrefix, federatedPrincipalProviders, federatedPrincipalUri } from './names.ts';

test('federatedPrincipalProviders reads the account and every provider a principal:// member can name', () => {
  const cases: [string, ReturnType<typeof federatedPrincipalProviders>][] = [
    ['principal://iam.gatehouse.dev/accounts/123456789012/oidc-providers/idp.example.com/subject/s', { account: '123456789012', hostPaths: ['idp.example.com'] }],
    ['principal://iam.gatehouse.dev/accounts/123456789012/oidc-providers/oidc.eks.us-west-2.amazonaws.com/id/ABC/subject/system:serviceaccount:ml:trainer', { account: '123456789012', hostPaths: ['oidc.eks.us-west-2.amazonaws.com/id/ABC'] }],
    // A trailing slash is part of the provider's name (oidc.ts parseIssuerUrl).
    ['principal://iam.gatehouse.dev/accounts/123456789012/oidc-providers/tenant.auth0.com//subject/s', { account: '123456789012', hostPaths: ['tenant.auth0.com/'] }],
    // `/subject/` inside the path or the subject: every reading, shortest provider first.
    ['principal://iam.gatehouse.dev/accounts/123456789012/oidc-providers/h/subject/a/subject/b', { account: '123456789012', hostPaths: ['h', 'h/subject/a'] }],
    ['principal://iam.gatehouse.dev/pools/p/subject/s', undefined],
    ['user:alice', undefined],
  ];
  for (const [member, want] of cases) assert.deepEqual(federatedPrincipalProviders(member), want, member);
});

test('the member a session carries reads back as its provider, and starts with its prefix', () => {
  for (const hostPath of ['idp.example.com', 'tenant.auth0.com/', '127.0.0.1:8470/x']) {
    const uri = federatedPrincipalUri(`arn:aws:iam::123456789012:oidc-provider/${hostPath}`, 'repo:ml/train') ?? '';
    assert.ok(federatedPrincipalProviders(uri)?.hostPaths.includes(hostPath), uri);
    assert.ok(uri.startsWith(federatedPrincipalPrefix('123456789012', hostPath)), uri);
  }
});
