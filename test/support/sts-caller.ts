/**
 * The caller the reviews of STS's parameter checks ask as (fx 3, gj 3, lo 1, nl 1, nl 2): user `alice` of the root
 * account, with an access key and the STS actions she may call, and a role trusting her or her account.
 */
import * as I from '@aws-sdk/client-iam';
import { userWithKey, type Credentials, type TestServer } from './server.ts';

const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });

/**
 * Makes user `alice` with a key and, when `actions` are given, the inline policy `sts` allowing them on everything; then
 * role `role`, which `trusted` may assume: the account's root (every principal its policies allow) or alice alone.
 * Answers alice's key.
 */
export async function aliceAndRole(s: TestServer, role: string, trusted: 'account' | 'alice', actions: readonly string[] = []): Promise<Credentials> {
  const alice = await userWithKey(s, 'alice');
  const iam = s.iam();
  if (actions.length > 0) await iam.send(new I.PutUserPolicyCommand({ UserName: 'alice', PolicyName: 'sts', PolicyDocument: doc({ Effect: 'Allow', Action: actions, Resource: '*' }) }));
  const principal = `arn:aws:iam::${s.adminFile.AccountId}:${trusted === 'account' ? 'root' : 'user/alice'}`;
  await iam.send(new I.CreateRoleCommand({ RoleName: role, AssumeRolePolicyDocument: doc({ Effect: 'Allow', Principal: { AWS: principal }, Action: 'sts:AssumeRole' }) }));
  return alice;
}
