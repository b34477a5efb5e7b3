/**
 * Review mp, 1: a request with a wrong signature kept an idle console sign-in alive on the server.
 *
 * What was wrong: the server's idle limit of a console sign-in (GATEHOUSE_CONSOLE_IDLE_SECONDS, review me, 1) counted a
 * request as a use when its session token opened (src/app/sts.ts consoleIdle, called from `authenticate`), before the
 * edge checked the request's signature against the session's secret. A request carrying the sign-in's access key id and
 * session token but signed with any other secret was refused (SignatureDoesNotMatch) and yet refreshed the sign-in, so
 * whoever saw the token without its secret (a presigned link made with the console's keys carries
 * `X-Amz-Security-Token` in its address, into browser histories and proxy logs) could keep an operator's abandoned
 * sign-in open for its whole 8 hours, for the holder of the secret to use.
 *
 * What real services do: AWS counts only an authenticated request as activity of a session; an unauthenticated one is
 * refused before anything of the principal is touched (AWS SigV4: "the request is denied" when the signature does not
 * match). Vault renews a token only on an authenticated renew call.
 *
 * What is now so: only a request whose signature verifies counts as a use of a console sign-in; one refused for its
 * signature leaves the sign-in idle, and past the limit it is refused with ExpiredToken as before.
 *
 * Before the fix 1 of 2 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { consoleCall as call, consoleSignIn, errorCode as code, IDLE_MS, startIdleLimitedServer, untilPassed } from './support/console-idle.ts';
import type { Credentials, TestServer } from './support/server.ts';

const until = (since: number, ms: number): Promise<void> => untilPassed(since, ms, 400);

describe('console review mp1: only a request whose signature verifies keeps a console sign-in alive', () => {
  let server: TestServer;
  before(async () => {
    server = await startIdleLimitedServer();
  });
  after(async () => {
    await server?.stop();
  });

  const signIn = (c: Credentials): Promise<Credentials> => consoleSignIn(server, c);

  it('requests with the token and a wrong secret are refused and do not keep the sign-in from going idle', async () => {
    const con = await signIn(server.admin);
    const signedIn = Date.now();
    const forged: Credentials = { ...con, secretAccessKey: 'x'.repeat(con.secretAccessKey.length) };
    // Forged calls about 400 ms apart, well within the limit, for longer than the limit since the last real use (and the
    // quarter of it a note of the use may be behind it: review mp, 3).
    // Each is refused: for its signature while the sign-in is in its limit, as expired once it is idle past it.
    let last = signedIn;
    const codes: (string | undefined)[] = [];
    while (Date.now() - signedIn < IDLE_MS + IDLE_MS / 4 + 400) {
      await until(last, 400);
      last = Date.now();
      const r = await call(server, forged, 'GET', '/v1/whoami');
      assert.equal(r.status, 403, JSON.stringify(r.json));
      codes.push(code(r));
    }
    assert.equal(codes[0], 'SignatureDoesNotMatch', codes.join());
    assert.ok(codes.every((c) => c === 'SignatureDoesNotMatch' || c === 'ExpiredToken'), codes.join());
    const real = await call(server, con, 'GET', '/v1/whoami');
    assert.equal(real.status, 403, `a sign-in idle for ${Date.now() - signedIn} ms was taken: ${JSON.stringify(real.json)}`);
    assert.equal(code(real), 'ExpiredToken');
  });

  it('correctly signed requests keep it alive (the control)', async () => {
    const con = await signIn(server.admin);
    const start = Date.now();
    let last = start;
    while (Date.now() - start < IDLE_MS + 400) {
      await until(last, 400);
      last = Date.now();
      const r = await call(server, con, 'GET', '/v1/whoami');
      assert.equal(r.status, 200, JSON.stringify(r.json));
    }
  });
});
