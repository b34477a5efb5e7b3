/**
 * Review vo, 4: escalation-paths reads the paths a trust policy's `ArnLike aws:PrincipalArn` condition admits users under
 * (review ml, 2), and tested the value's account and user name against the user's as a regular expression, one `.*`
 * per `*`. A trust policy whose value ends in many `*` and a letter the name does not end with
 * (`arn:aws:iam::A:user/**********x`) made V8 backtrack through every way of splitting the user's name among the
 * `.*`s: 14 s of the server's one thread for nine `*` and a 40-letter name, minutes for ten, while no decision, session
 * or health probe was answered. Anyone allowed to write a role's trust policy in an account could plant it; the next
 * escalation-paths of one of its users (an auditor's question, the console's) froze the server. Now the value is matched
 * by the IAM engine's glob matcher (steps, not a backtracking expression). A `gatehouse server` in its own process, so
 * that a frozen one fails the test instead of it.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { call } from '../src/adapters/cli/client.ts';
import { connectionTo, throwawayServer, within, type ServerProcess } from './support/processes.ts';
import { userWithPolicy, type Credentials } from './support/server.ts';

const A = '000000000000';
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
let world: Awaited<ReturnType<typeof throwawayServer>>;
let s: ServerProcess | undefined;
let admin: Credentials;

before(async () => {
  world = await throwawayServer('review-vo4');
  ({ server: s, admin } = world);
});
after(async () => world?.stop());

test('escalation-paths past a trust policy whose ArnLike value holds many wildcards is answered at once', async () => {
  const url = (s as ServerProcess).url;
  const iam = new IAMClient({ endpoint: url, region: 'us-east-1', credentials: admin, maxAttempts: 1 });
  try {
    const trust = (value: string) => doc({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${A}:root` }, Action: 'sts:AssumeRole', Condition: { ArnLike: { 'aws:PrincipalArn': value } } });
    await iam.send(new CreateRoleCommand({ RoleName: 'planted', AssumeRolePolicyDocument: trust(`arn:aws:iam::${A}:user/${'*'.repeat(30)}x`) }));
    await iam.send(new CreateRoleCommand({ RoleName: 'planted-account', AssumeRolePolicyDocument: trust(`arn:aws:iam::${'*'.repeat(30)}x:user/*`) }));
    // Under a path: the wildcards still admit what they did.
    await iam.send(new CreateRoleCommand({ RoleName: 'admins', AssumeRolePolicyDocument: trust(`arn:aws:iam::${'0*'.repeat(6)}:user/admins/${'e*'.repeat(10)}`) }));
  } finally {
    iam.destroy();
  }
  const name = 'e'.repeat(40);
  await userWithPolicy({ url, admin }, name, doc({ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' }, { Effect: 'Allow', Action: 'iam:UpdateUser', Resource: `arn:aws:iam::${A}:user/*` }));
  const r = await within(call<{ reports: { canBecome: { principal: string; path: { actions: string[] }[] }[] }[] }>(connectionTo(url, admin), 'POST', ['escalation-paths'], { body: { principal: `arn:aws:iam::${A}:user/${name}` } }), 20_000);
  assert.notEqual(r, 'late', 'escalation-paths was not answered within 20 s');
  if (r === 'late') return;
  assert.ok(r.ok, r.ok ? '' : r.message);
  const health = await within(fetch(`${url}/healthz`), 5_000);
  assert.ok(health !== 'late' && health.status === 200, 'the server answers its health probe');
  const to = (role: string) => r.value.reports[0]?.canBecome.filter((b) => b.principal === `arn:aws:iam::${A}:role/${role}`).map((b) => b.path.map((st) => st.actions)) ?? [];
  assert.deepEqual(to('admins'), [[['iam:UpdateUser', 'sts:AssumeRole']]], JSON.stringify(r.value));
  assert.deepEqual([to('planted'), to('planted-account')], [[], []], JSON.stringify(r.value));
});
