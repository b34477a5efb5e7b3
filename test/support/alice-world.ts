/**
 * A test server with one IAM user, alice, holding one inline policy, and the question the simulation reviews ask of her
 * (reviews vd2, vg1, vg5): an action on `arn:aws:s3:::b/k` with a context, over POST /v1/simulate, /v1/authorize, or
 * /v1/who-can (which asks about every principal, so it is sent without hers).
 */
import { after, before } from 'node:test';
import * as I from '@aws-sdk/client-iam';
import { call, type ClientResult } from '../../src/adapters/cli/client.ts';
import { connectionTo } from './processes.ts';
import { startTestServer, type TestServer } from './server.ts';

export const ALICE = 'arn:aws:iam::000000000000:user/alice';

export type AskedOver = 'simulate' | 'who-can' | 'authorize';
export type Answer = ClientResult<{ decision?: string; allowed?: { name: string }[] }>;

/** Starts the server before the suite's tests (and stops it after); `ready` is handed it once alice has `policy`. */
export function aliceWithPolicy(policy: string, ready: (s: TestServer) => void): void {
  let s: TestServer | undefined;
  before(async () => {
    s = await startTestServer();
    const iam = s.iam();
    await iam.send(new I.CreateUserCommand({ UserName: 'alice' }));
    await iam.send(new I.PutUserPolicyCommand({ UserName: 'alice', PolicyName: 'p', PolicyDocument: policy }));
    ready(s);
  });
  after(() => s?.stop());
}

/** Asks the server `server()` answers with about alice doing `action` on `arn:aws:s3:::b/k` in `context`. */
export function askAboutAlice(server: () => TestServer): (route: AskedOver, context: Record<string, string>, action?: string) => Promise<Answer> {
  return (route, context, action = 's3:GetObject') => {
    const s = server();
    return call(connectionTo(s.url, s.admin), 'POST', [route], { body: { ...(route !== 'who-can' ? { principal: ALICE } : {}), action, resource: 'arn:aws:s3:::b/k', context } });
  };
}
