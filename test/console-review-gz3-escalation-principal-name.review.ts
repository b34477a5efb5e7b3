/**
 * Review of the web console (review gz, 3): the Escalation paths view told an operator who typed a user's name that the
 * user does not exist.
 *
 * What was wrong: the view's field is "User or role ARN"; `bob` typed there, for the user `bob` of the account, was
 * answered `NoSuchEntity: \`bob\` is not a user or role of account 000000000000 (give its ARN, e.g. …:user/alice)`. The
 * user was there: what was wrong was that a name is not an ARN, and the answer said the opposite of the truth, with
 * another user's ARN as the example to copy.
 *
 * What is now so: a principal given as a name (or `user/bob`, `role/ops`) rather than an ARN is refused as that,
 * `InvalidInput`, with the ARN of each user and role of that name to give instead; an ARN of no user or role is still
 * `NoSuchEntity`. The same answer reaches `gatehouse escalation-paths --principal`.
 *
 * Against a real server, signed by the console's own code (web/console.js) as the page signs its calls.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as I from '@aws-sdk/client-iam';
import { startTestServer, userWithKey, type Credentials, type TestServer } from './support/server.ts';

const CONSOLE_JS = pathToFileURL(join(import.meta.dirname, '..', 'web', 'console.js')).href;
interface ConsoleModule {
  signRequest(r: { method: string; host: string; path: string; body?: string; credentials: Credentials }): Promise<{ url: string; headers: Record<string, string> }>;
}

describe('web console review gz3: a name given for the escalation view\'s principal is said to be a name, not an unknown user', () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer();
    await userWithKey(server, 'bob');
    const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::000000000000:root' }, Action: 'sts:AssumeRole' }] };
    await server.iam().send(new I.CreateRoleCommand({ RoleName: 'bob', Path: '/ops/', AssumeRolePolicyDocument: JSON.stringify(trust) }));
  });
  after(async () => {
    await server?.stop();
  });

  async function escalation(principal: string): Promise<{ status: number; code: string; message: string }> {
    const m = (await import(CONSOLE_JS)) as ConsoleModule;
    const body = JSON.stringify({ context: {}, principal });
    const signed = await m.signRequest({ method: 'POST', host: new URL(server.url).host, path: '/v1/escalation-paths', body, credentials: server.admin });
    const res = await fetch(`${server.url}${signed.url}`, { method: 'POST', headers: signed.headers, body });
    const json = (await res.json()) as { error?: { code: string; message: string } };
    return { status: res.status, code: json.error?.code ?? '', message: json.error?.message ?? '' };
  }

  it('`bob`: not an ARN, with the ARNs of the user and the role named bob', async () => {
    for (const given of ['bob', 'BOB', 'user/bob']) {
      const r = await escalation(given);
      assert.equal(r.status, 400, `${given}: ${r.message}`);
      assert.equal(r.code, 'InvalidInput', given);
      assert.doesNotMatch(r.message, /is not a user or role/, given);
      assert.match(r.message, /not an ARN/, given);
      assert.ok(r.message.includes('arn:aws:iam::000000000000:user/bob'), `${given}: ${r.message}`);
      assert.ok(r.message.includes('arn:aws:iam::000000000000:role/ops/bob'), `${given}: ${r.message}`);
    }
  });

  it('a name nobody has: not an ARN, with the form of one', async () => {
    const r = await escalation('carol');
    assert.equal(r.code, 'InvalidInput');
    assert.match(r.message, /`carol` is not an ARN.*no user or role of account 000000000000 is named `carol`/);
  });

  it('an ARN of nobody is still NoSuchEntity; the user\'s ARN is answered', async () => {
    const none = await escalation('arn:aws:iam::000000000000:user/carol');
    assert.equal(none.status, 404);
    assert.equal(none.code, 'NoSuchEntity');
    const m = (await import(CONSOLE_JS)) as ConsoleModule;
    const body = JSON.stringify({ context: {}, principal: 'arn:aws:iam::000000000000:user/bob' });
    const signed = await m.signRequest({ method: 'POST', host: new URL(server.url).host, path: '/v1/escalation-paths', body, credentials: server.admin });
    const res = await fetch(`${server.url}${signed.url}`, { method: 'POST', headers: signed.headers, body });
    assert.equal(res.status, 200, await res.text());
  });
});
