/**
 * Review ka, 6: TagUser, TagRole and TagPolicy past the 50 tags a resource may carry answered LimitExceeded "an entity
 * may carry at most 50 tags": not which entity, how many it carries, how many the request adds, nor what to do. A
 * pipeline tagging many roles could not tell which one was full. Now the refusal says IAM's quota (`Cannot exceed quota
 * for TagsPerRole: 50`), names the user, role or policy, counts its tags and the new keys asked, and says to remove some
 * with UntagUser, UntagRole or UntagPolicy; the resource keeps its tags. Real server, SDK v3.
 * Before the fix 1 of 1 tests failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { sdkFailure, startTestServer, type TestServer } from './support/server.ts';

let server: TestServer;
let iam: I.IAMClient;
let policyArn = '';

const trust = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }] });
const doc = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }] });
const tags = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => ({ Key: `${prefix}${i}`, Value: 'v' }));

before(async () => {
  server = await startTestServer();
  iam = server.iam();
  await iam.send(new I.CreateUserCommand({ UserName: 'full-user', Tags: tags('k', 49) }));
  await iam.send(new I.CreateRoleCommand({ RoleName: 'full-role', AssumeRolePolicyDocument: trust, Tags: tags('k', 49) }));
  policyArn = (await iam.send(new I.CreatePolicyCommand({ PolicyName: 'full-policy', PolicyDocument: doc, Tags: tags('k', 49) }))).Policy?.Arn ?? '';
});
after(async () => {
  await server?.stop();
});

test('a tag request past 50 tags names the resource, its count, the new keys and what to do', async () => {
  // k0 is held already: only the 2 keys new to it count.
  const asked = [{ Key: 'K0', Value: 'again' }, ...tags('new', 2)];
  const cases: [string, RegExp, () => Promise<unknown>, () => Promise<number>][] = [
    ['user', /TagsPerUser: 50.*user `full-user` carries 49 tags.*2 new keys.*UntagUser/, () => iam.send(new I.TagUserCommand({ UserName: 'FULL-USER', Tags: asked })), async () => ((await iam.send(new I.ListUserTagsCommand({ UserName: 'full-user' }))).Tags ?? []).length],
    ['role', /TagsPerRole: 50.*role `full-role` carries 49 tags.*2 new keys.*UntagRole/, () => iam.send(new I.TagRoleCommand({ RoleName: 'full-role', Tags: asked })), async () => ((await iam.send(new I.ListRoleTagsCommand({ RoleName: 'full-role' }))).Tags ?? []).length],
    ['policy', /TagsPerPolicy: 50.*policy `arn:aws:iam::000000000000:policy\/full-policy` carries 49 tags.*2 new keys.*UntagPolicy/, () => iam.send(new I.TagPolicyCommand({ PolicyArn: policyArn, Tags: asked })), async () => ((await iam.send(new I.ListPolicyTagsCommand({ PolicyArn: policyArn }))).Tags ?? []).length],
  ];
  for (const [kind, message, call, count] of cases) {
    const r = await sdkFailure(call());
    assert.equal(r.code, 'LimitExceeded', `${kind}: ${r.message}`);
    assert.equal(r.status, 409);
    assert.match(r.message, /^Cannot exceed quota for /, kind);
    assert.match(r.message, message, kind);
    assert.equal(await count(), 49, `${kind} keeps its tags`);
  }
});
