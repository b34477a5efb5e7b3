/**
 * Review pc, 4: the audit record of a console sign-in ended for being idle did not name the role, session, job or
 * source identity it was a sign-in of, which the record of the same sign-in signed out by its button names.
 *
 * A console sign-in opened with a role's session (the usual way in for an operator) is a copy of that session: its
 * `gatehouse:ConsoleSignIn` record names the role, the session ARN, the job and the source identity, and so does the
 * `gatehouse:ConsoleSignOut` its Sign out writes (src/app/principals.ts actorOf). The one the server writes when it ends
 * the sign-in for being idle (src/app/sts.ts consoleIdle; review me, 1) named the session ARN as principal and nothing
 * else: `gatehouse audit query --role ARN` and the console's Role and Job id filters ("every session of it and the
 * changes to it", docs/decisions.md review gz, 4; README §7) found the role's sign-ins and the ones signed out, never
 * those ended idle, and an auditor reading a role's console sessions saw them open and never end. The contract:
 * docs/decisions.md "A console sign-in idle past its limit is refused on the server" (the sign-in is "ended on every
 * instance, as sign-out ends it") and the audit record's own fields (src/core/audit/record.ts: `role` "a record's
 * role", `job`, `sourceIdentity`), which every record about a session carries.
 *
 * What is now so: the idle sign-out record names the sign-in's role, session, job and source identity, as the sign-in's
 * record does; no access key (no request of it signed), the sign-in's own key still in `detail.accessKeyId`.
 *
 * A real server with a 1.5 s idle limit (test/support/console-idle.ts); the session from `@aws-sdk/client-sts`.
 *
 * Before the fix 1 of 1 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { consoleCall as call, consoleSignIn, errorCode as code, IDLE_MS, startIdleLimitedServer, untilPassed } from './support/console-idle.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { auditRecords, type Credentials, type TestServer } from './support/server.ts';

const ROOT = '000000000000';
const V = '2012-10-17';
const ROLE = `arn:aws:iam::${ROOT}:role/console-ops`;
const SESSION = `arn:aws:sts::${ROOT}:assumed-role/console-ops/pc4`;

describe('console review pc4: a sign-in ended idle is recorded with its role, session and source identity', () => {
  let server: TestServer;
  let session: Credentials;
  before(async () => {
    server = await startIdleLimitedServer();
    const applied = await gatehouseJson(server.url, server.admin, 'POST', '/v1/apply', {
      documents: [
        {
          apiVersion: 'gatehouse.dev/v1',
          kind: 'Role',
          metadata: { name: 'console-ops' },
          spec: { trustPolicy: { Version: V, Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ROOT}:root` }, Action: ['sts:AssumeRole', 'sts:SetSourceIdentity'] }] }, inlinePolicies: { read: { Version: V, Statement: [{ Effect: 'Allow', Action: 'iam:List*', Resource: '*' }] } } },
        },
      ],
    });
    assert.equal(applied.status, 200, JSON.stringify(applied.json));
    const c = (await server.sts().send(new AssumeRoleCommand({ RoleArn: ROLE, RoleSessionName: 'pc4', SourceIdentity: 'carol' }))).Credentials;
    assert.ok(c?.AccessKeyId && c.SecretAccessKey && c.SessionToken);
    session = { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken };
  });
  after(async () => {
    await server?.stop();
  });

  it('signed out and left idle, both sign-outs name the role, session and source identity, and the Role filter finds both', async () => {
    const out = await consoleSignIn(server, session);
    const idle = await consoleSignIn(server, session);
    const opened = Date.now();
    const signedOut = await call(server, out, 'POST', '/v1/console/sign-out');
    assert.equal(signedOut.status, 200, JSON.stringify(signedOut.json));
    // Left alone past the limit (and the time between two notes), then refused, and so ended.
    await untilPassed(opened, IDLE_MS + 600, 500);
    const refused = await call(server, idle, 'GET', '/v1/whoami');
    assert.equal(code(refused), 'ExpiredToken', JSON.stringify(refused.json));

    const ends = await auditRecords(server, { action: 'gatehouse:ConsoleSignOut' });
    const of = (c: Credentials) => ends.find((r) => (r.detail as Record<string, unknown> | undefined)?.['accessKeyId'] === c.accessKeyId);
    const button = of(out);
    const idleEnd = of(idle);
    assert.ok(button, JSON.stringify(ends));
    assert.ok(idleEnd, JSON.stringify(ends));
    assert.equal((idleEnd.detail as Record<string, unknown>)['reason'], 'idle');
    for (const [which, r] of [['signed out', button], ['ended idle', idleEnd]] as const) {
      assert.equal(r.principal, SESSION, `${which}: ${JSON.stringify(r)}`);
      assert.equal(r.role, ROLE, `${which}: ${JSON.stringify(r)}`);
      assert.equal(r.session, SESSION, `${which}: ${JSON.stringify(r)}`);
      assert.equal(r.sourceIdentity, 'carol', `${which}: ${JSON.stringify(r)}`);
    }
    // As `gatehouse audit query --role` and the console's Role filter ask.
    const byRole = (await auditRecords(server, { role: ROLE, action: 'gatehouse:ConsoleSignOut' })).map((r) => (r.detail as Record<string, unknown>)['accessKeyId']);
    assert.deepEqual(byRole.sort(), [out.accessKeyId, idle.accessKeyId].sort());
  });
});
