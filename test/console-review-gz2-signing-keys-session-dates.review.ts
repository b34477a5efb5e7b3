/**
 * Review of the web console (review gz, 2): the signing keys a sign-in keeps covered a day more than the sign-in lasts.
 *
 * What was wrong: a sign-in kept SigV4 signing keys (derived from the secret, in the tab's session storage, which the
 * browser writes to the profile on disk: review bd, 1) for the UTC date of the sign-in and the next, whatever its time.
 * A sign-in lasts at most 8 hours, so one made before 16:00 UTC never signs on the next date; yet its keys, copied off
 * the disk or the tab, signed admin API calls as the signed-in principal until the end of the next day (up to 47
 * hours after the sign-in, 39 after the console itself had signed out), and sign-out could not end them.
 *
 * What is now so: the keys are those of the dates the sign-in's 8 hours touch: the sign-in's date alone when it ends
 * that day, that date and the next when it runs past midnight UTC. Signing within the 8 hours is as before.
 *
 * Against a real server: the keys sign as the secret does, on the dates kept.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { startTestServer, type Credentials, type TestServer } from './support/server.ts';

const CONSOLE_JS = pathToFileURL(join(import.meta.dirname, '..', 'web', 'console.js')).href;
interface ConsoleModule {
  signingKeys(secretAccessKey: string, since: Date): Promise<Record<string, string>>;
  signRequest(r: { method: string; host: string; path: string; body?: string; credentials: Credentials | { accessKeyId: string; signingKeys: Record<string, string> }; now?: Date }): Promise<{ url: string; headers: Record<string, string> }>;
}

describe('web console review gz2: the signing keys kept cover the dates of the sign-in\'s 8 hours only', () => {
  let server: TestServer;
  let m: ConsoleModule;
  before(async () => {
    server = await startTestServer();
    m = (await import(CONSOLE_JS)) as ConsoleModule;
  });
  after(async () => {
    await server?.stop();
  });

  it('a sign-in that ends the day it began keeps that date\'s key alone', async () => {
    for (const at of ['2026-03-01T00:00:00Z', '2026-03-01T01:00:00Z', '2026-03-01T15:59:59Z']) {
      assert.deepEqual(Object.keys(await m.signingKeys(server.admin.secretAccessKey, new Date(at))), ['20260301'], at);
    }
    const keys = await m.signingKeys(server.admin.secretAccessKey, new Date('2026-03-01T01:00:00Z'));
    const request = { method: 'GET', host: 'localhost:1', path: '/v1/whoami' };
    await assert.rejects(m.signRequest({ ...request, credentials: { accessKeyId: server.admin.accessKeyId, signingKeys: keys }, now: new Date('2026-03-02T00:00:01Z') }), /no signing key for 20260302/);
  });

  it('one that runs past midnight UTC keeps that date\'s and the next, and signs as the secret on both', async () => {
    for (const at of ['2026-03-01T16:00:00Z', '2026-03-01T23:30:00Z']) {
      assert.deepEqual(Object.keys(await m.signingKeys(server.admin.secretAccessKey, new Date(at))).sort(), ['20260301', '20260302'], at);
    }
  });

  it('the keys of a sign-in now sign calls the server accepts', async () => {
    const keys = await m.signingKeys(server.admin.secretAccessKey, new Date());
    const signed = await m.signRequest({ method: 'GET', host: new URL(server.url).host, path: '/v1/whoami', credentials: { accessKeyId: server.admin.accessKeyId, signingKeys: keys } });
    const res = await fetch(`${server.url}${signed.url}`, { headers: signed.headers });
    assert.equal(res.status, 200, await res.text());
  });
});
