/**
 * Review ho, 6. The IAM and STS Query APIs read a list (`Name.member.N`, credential-protocols §5.2) from member 1 up
 * to the first missing index, and dropped every member after a gap, or numbered `0` or `01`, without a word: AssumeRole
 * with `PolicyArns.member.2.arn=…ReadOnlyAccess` alone issued a session with ALL the role's rights (the session policy
 * meant to narrow them was never read), CreateUser with `Tags.member.1` and `Tags.member.3` kept only the first tag,
 * and `TagKeys.member.0` was read as no key at all.
 *
 * Now such a parameter is refused 400 ValidationError naming it and the member missing, before anything is issued or
 * changed; lists as the SDKs write them are read as before. Real server (SQLite); SigV4-signed form bodies, and the AWS
 * SDK v3 for the lists it writes.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { CreateUserCommand, ListUserTagsCommand } from '@aws-sdk/client-iam';
import { gatehouseJson, gatehouseQuery } from './support/resource-server.ts';
import { startTestServer, type TestServer } from './support/server.ts';

let s: TestServer;
const ROLE = 'arn:aws:iam::000000000000:role/ho6-admin';
before(async () => {
  s = await startTestServer();
  const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::000000000000:root' }, Action: 'sts:AssumeRole' }] };
  assert.equal((await gatehouseJson(s.url, s.admin, 'POST', '/v1/roles', { name: 'ho6-admin', trustPolicy: trust })).status, 201);
  assert.equal((await gatehouseJson(s.url, s.admin, 'POST', '/v1/roles/ho6-admin/policies', { policy: 'arn:aws:iam::aws:policy/AdministratorAccess' })).status, 200);
});
after(() => s?.stop());

const sessionsIssued = async (): Promise<number> => {
  const m = /gatehouse_sessions_issued_total\{via="AssumeRole"\} (\d+)/.exec(await (await fetch(`${s.url}/metrics`)).text());
  return Number(m?.[1]);
};

test('a list member after a gap, or numbered 0 or 01, is refused naming it; nothing is issued or created', async () => {
  const before = await sessionsIssued();
  const cases: [service: 'iam' | 'sts', body: string, message: RegExp][] = [
    ['sts', `Action=AssumeRole&Version=2011-06-15&RoleArn=${ROLE}&RoleSessionName=narrow&PolicyArns.member.2.arn=arn:aws:iam::aws:policy/ReadOnlyAccess`, /parameter `PolicyArns\.member\.1` is missing while `PolicyArns\.member\.2` is given/],
    ['sts', `Action=AssumeRole&Version=2011-06-15&RoleArn=${ROLE}&RoleSessionName=narrow&PolicyArns.member.01.arn=arn:aws:iam::aws:policy/ReadOnlyAccess`, /parameter `PolicyArns\.member\.01\.arn`: the members of list `PolicyArns` are numbered 1, 2, 3… .* not `01`/],
    ['iam', 'Action=CreateUser&Version=2010-05-08&UserName=ho6-user&Tags.member.1.Key=a&Tags.member.1.Value=b&Tags.member.3.Key=c&Tags.member.3.Value=d', /parameter `Tags\.member\.2` is missing while `Tags\.member\.3` is given/],
    ['iam', 'Action=UntagUser&Version=2010-05-08&UserName=admin&TagKeys.member.0=a', /parameter `TagKeys\.member\.0`: the members of list `TagKeys` are numbered 1, 2, 3…/],
  ];
  for (const [service, body, message] of cases) {
    const r = await gatehouseQuery(s.url, s.admin, service, body);
    assert.equal(r.status, 400, `${body}: ${r.text}`);
    assert.match(r.text, /<Code>ValidationError<\/Code>/);
    assert.match(r.text, message);
    assert.doesNotMatch(r.text, /SessionToken/);
  }
  assert.equal(await sessionsIssued(), before, 'no session was issued');
  const user = await gatehouseJson(s.url, s.admin, 'GET', '/v1/users/ho6-user');
  assert.equal(user.status, 404);
});

test('lists as the SDK writes them are read as before', async () => {
  const sts = s.sts();
  const narrowed = await sts.send(new AssumeRoleCommand({ RoleArn: ROLE, RoleSessionName: 'sdk', PolicyArns: [{ arn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' }] }));
  assert.ok(narrowed.Credentials?.SessionToken);
  const iam = s.iam();
  await iam.send(new CreateUserCommand({ UserName: 'ho6-sdk', Tags: [{ Key: 'a', Value: 'b' }, { Key: 'c', Value: 'd' }, { Key: 'e', Value: 'f' }] }));
  const tags = await iam.send(new ListUserTagsCommand({ UserName: 'ho6-sdk' }));
  assert.deepEqual(tags.Tags?.map((t) => t.Key), ['a', 'c', 'e']);
});
