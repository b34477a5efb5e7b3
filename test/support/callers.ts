/**
 * A caller as the app's use cases take it, for tests that drive them without a server: the root account's `admin`,
 * allowed everything by an identity policy (what `audit.verify`, `audit.query` and the like ask of a caller).
 */
import type { Caller } from '../../src/app/principals.ts';
import { compilePolicy, parsePolicy } from '../../src/core/iam/index.ts';

export const ROOT_ACCOUNT_ID = '000000000000';

const allowAll = parsePolicy({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] }, { kind: 'identity' });
if (!allowAll.ok) throw new Error('the allow-all policy does not parse');

export const rootAdminCaller = {
  principal: { kind: 'user', arn: `arn:aws:iam::${ROOT_ACCOUNT_ID}:user/admin`, partition: 'aws', account: ROOT_ACCOUNT_ID },
  partition: 'aws',
  account: ROOT_ACCOUNT_ID,
  user: undefined,
  policies: { identity: [compilePolicy(allowAll.value, 'admin')] },
  accessKeyId: 'AKIAADMIN',
} as unknown as Caller;
