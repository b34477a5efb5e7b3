/**
 * Review ph, 3: a stored resource or trust policy that grew past its quota was read as unreadable. Renaming or moving a
 * user writes its new ARN, path and all, into every policy naming it (src/app/forget-principal.ts `followRename`,
 * docs/decisions.md review K2); a path may hold 512 characters, so a policy naming the user a few times grows by
 * hundreds. The resource policies were loaded at the quota a write is held to (20,480 characters: S3's bucket policy
 * limit), so a policy near it became unreadable when a user it named moved, and stood in for itself as an explicit Deny
 * of every request on its resource (src/app/unreadable-policy.ts): one `UpdateUser --new-path` shut everyone out of a
 * bucket or model, the principals the policy allowed included. who-can read trust policies at 2,048 characters the same
 * way: a trust policy near it that grew allowed no one there, so the auditor's answer dropped another account's root
 * that STS still let in. Now stored policies are read at a far larger bound (`STORED_POLICY_MAX_CHARS`, as identity
 * policies and STS's trust policies already were: "readers of stored documents pass a larger maxChars and keep reading
 * what they stored", src/core/iam/parse.ts); every write still holds the quota (AWS IAM and STS quotas: role trust policy
 * 2,048 characters; S3 bucket policy 20 KB). Real server, SDK v3 (IAM, STS), the /v1 client for the resource policy,
 * the authorize API and who-can.
 * Before the fix 2 of 2 tests failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import * as S from '@aws-sdk/client-sts';
import { call } from '../src/adapters/cli/client.ts';
import { accountAdmin, startTestServer, type TestServer } from './support/server.ts';
import { connectionTo } from './support/processes.ts';
import { authorizeDecision } from './support/authorize-api.ts';

const ROOT = '000000000000';
const PARTNER = '222233334444';
const LONG_PATH = `/${'d'.repeat(300)}/`;
let s: TestServer;
let iam: I.IAMClient;
const v1 = (method: string, path: string[], body?: unknown) => call(connectionTo(s.url, s.admin), method, path, body === undefined ? {} : { body });

before(async () => {
  s = await startTestServer();
  iam = s.iam();
});
after(async () => {
  await s?.stop();
});

test('a resource policy near 20,480 characters naming a user who moves to a long path still grants what it grants', async () => {
  await iam.send(new I.CreateUserCommand({ UserName: 'mover' }));
  await iam.send(new I.CreateUserCommand({ UserName: 'reader' }));
  const model = 'arn:aws:training:::model/big';
  const parts = (n: number) => Array.from({ length: n }, (_, i) => `${model}/p${String(i).padStart(4, '0')}`);
  const policy = (n: number) => ({
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ROOT}:user/reader` }, Action: 'training:GetModel', Resource: model },
      ...[0, 1, 2].map((k) => ({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ROOT}:user/mover` }, Action: 'training:GetModel', Resource: parts(n).slice((k * n) / 3, ((k + 1) * n) / 3) })),
    ],
  });
  let n = 300;
  while (JSON.stringify(policy(n + 3)).length < 19_800) n += 3;
  const put = await v1('PUT', ['resource-policies', model], { document: policy(n) });
  assert.ok(put.ok, JSON.stringify(put));
  const readerGets = { principal: `arn:aws:iam::${ROOT}:user/reader`, action: 'training:GetModel', resource: model };
  assert.equal(await authorizeDecision(s, readerGets), 'Allow');
  await iam.send(new I.UpdateUserCommand({ UserName: 'mover', NewPath: LONG_PATH }));
  const got = await v1('GET', ['resource-policies', model]);
  assert.ok(got.ok && JSON.stringify(got.value).length > 20_480, 'the policy grew past the quota');
  assert.equal(await authorizeDecision(s, readerGets), 'Allow');
  assert.equal(await authorizeDecision(s, { ...readerGets, principal: `arn:aws:iam::${ROOT}:user${LONG_PATH}mover`, resource: `${model}/p0001` }), 'Allow');
});

test('who-can: a trust policy near 2,048 characters naming a user who moves still lists the other account it trusts, as STS lets it in', async () => {
  const partner = await accountAdmin(s, PARTNER, 'aws');
  await iam.send(new I.CreateUserCommand({ UserName: 'walker' }));
  const trust = (n: number) =>
    JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        { Sid: 'Partner', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${PARTNER}:root` }, Action: 'sts:AssumeRole' },
        { Sid: 'Walker', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ROOT}:user/walker` }, Action: 'sts:AssumeRole', Condition: { IpAddress: { 'aws:SourceIp': Array.from({ length: n }, (_, i) => `10.0.${i}.0/24`) } } },
      ],
    });
  let n = 1;
  while (trust(n + 1).length < 1_900) n++;
  await iam.send(new I.CreateRoleCommand({ RoleName: 'shared', AssumeRolePolicyDocument: trust(n) }));
  const beyond = async (): Promise<string[]> => {
    const r = await v1('POST', ['who-can'], { action: 'sts:AssumeRole', resource: `arn:aws:iam::${ROOT}:role/shared` });
    assert.ok(r.ok, JSON.stringify(r));
    return (r.value as { grantedByResourcePolicy: { principal: string }[] }).grantedByResourcePolicy.map((g) => g.principal);
  };
  assert.deepEqual(await beyond(), [`arn:aws:iam::${PARTNER}:root`]);
  await iam.send(new I.UpdateUserCommand({ UserName: 'walker', NewPath: LONG_PATH }));
  const session = await s.sts(partner).send(new S.AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ROOT}:role/shared`, RoleSessionName: 'partner' }));
  assert.ok(session.Credentials?.AccessKeyId, 'STS lets the other account in');
  assert.deepEqual(await beyond(), [`arn:aws:iam::${PARTNER}:root`]);
});
