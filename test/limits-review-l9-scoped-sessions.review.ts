/**
 * Scoped sessions one account may hold at once (review limits, L9). Every role session issued with a session policy,
 * session tags or a source identity is recorded, and every instance holds each record in memory until the session
 * expires: any principal allowed to assume a role could grow every instance without bound (200 AssumeRole calls a
 * second with a policy and 50 tags: +164 MB in 90 s). Now an account holds at most `MAX_SCOPED_SESSIONS`; past it
 * AssumeRole with a scope is refused with LimitExceeded and nothing is recorded, while a session without scope (which
 * records nothing) is still issued. The bound is lowered to 3 here; the real SDK against a real server.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { CreateRoleCommand } from '@aws-sdk/client-iam';
import { AssumeRoleCommand, GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { MAX_SCOPED_SESSIONS, SessionScopes } from '../src/app/session-scopes.ts';
import { errorName, startTestServer, type TestServer } from './support/server.ts';

let s: TestServer;
const ROLE = 'arn:aws:iam::000000000000:role/scoped';

before(async () => {
  s = await startTestServer({ maxScopedSessions: 3 });
  const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::000000000000:root' }, Action: ['sts:AssumeRole', 'sts:SetSourceIdentity', 'sts:TagSession'] }] };
  await s.iam().send(new CreateRoleCommand({ RoleName: 'scoped', AssumeRolePolicyDocument: JSON.stringify(trust) }));
});
after(async () => s?.stop());

test('without a bound given, the registry holds 100,000 an account, as docs/decisions.md says', () => {
  const scopes = new SessionScopes({ store: s.running.app.deps.store, now: Date.now, randomBytes: (n) => new Uint8Array(n) });
  assert.equal(MAX_SCOPED_SESSIONS, 100_000);
  assert.equal(scopes.maxPerAccount, MAX_SCOPED_SESSIONS);
  assert.equal(s.running.app.sts.scopes?.maxPerAccount, 3, 'the server under test was given 3');
});

test('past the bound, AssumeRole with a scope is LimitExceeded; without one it is issued; the sessions issued still work', async () => {
  const scoped = [
    { RoleArn: ROLE, RoleSessionName: 'with-source', SourceIdentity: 'alice' },
    { RoleArn: ROLE, RoleSessionName: 'with-tags', Tags: [{ Key: 'team', Value: 'vision' }] },
    { RoleArn: ROLE, RoleSessionName: 'with-policy', Policy: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }] }) },
  ];
  const issued = [];
  for (const input of scoped) {
    const r = await s.sts().send(new AssumeRoleCommand(input));
    assert.ok(r.Credentials?.SessionToken, input.RoleSessionName);
    issued.push(r.Credentials);
  }
  const refused = s.sts().send(new AssumeRoleCommand({ RoleArn: ROLE, RoleSessionName: 'one-too-many', SourceIdentity: 'bob' }));
  assert.equal(await errorName(refused), 'LimitExceeded');
  await assert.rejects(refused, /live sessions with a session policy, session tags or a source identity, the most one account may hold at once/);
  // A session without scope records nothing, so the bound does not apply to it.
  const plain = await s.sts().send(new AssumeRoleCommand({ RoleArn: ROLE, RoleSessionName: 'plain' }));
  assert.ok(plain.Credentials?.SessionToken);
  // The refused one left no record: the three are all the registry holds.
  assert.equal(s.running.app.sts.scopes?.size, 3);
  const first = issued[0];
  assert.ok(first?.AccessKeyId && first.SecretAccessKey && first.SessionToken);
  const who = await s.sts({ accessKeyId: first.AccessKeyId, secretAccessKey: first.SecretAccessKey, sessionToken: first.SessionToken }).send(new GetCallerIdentityCommand({}));
  assert.match(who.Arn ?? '', /assumed-role\/scoped\/with-source$/);
});
