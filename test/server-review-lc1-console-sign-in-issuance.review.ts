/**
 * Review lc, 1: a console sign-in (POST /v1/console/sign-in, the web console's "Sign in") issues a session (its own
 * credentials, recorded as `gatehouse:ConsoleSignIn`), but `gatehouse_sessions_issued_total` had no `via` for it: it was
 * counted under `via="other"`, a series that did not exist before the first one, so a dashboard of issuance by API
 * showed console sessions as nothing it could name, and an alert on `via="ConsoleSignIn"` never saw a series. It is now
 * its own label value, at 0 from the start as the others are.
 * Real server on 127.0.0.1, the admin API through the CLI's client, a Prometheus scrape of /metrics.
 * Before the fix 2 of 2 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { call } from '../src/adapters/cli/client.ts';
import { startTestServer, type TestServer } from './support/server.ts';

/** The value of the sample `name{labels}` in a Prometheus text exposition, or undefined when there is none. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split('\n')) {
    const m = /^([a-z_]+)\{([^}]*)\} (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const got = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => got[k] === v) && Object.keys(got).length === Object.keys(labels).length) return Number(m[3]);
  }
  return undefined;
}

describe('review lc1: console sign-ins are counted as issuance under their own label', () => {
  let s: TestServer;
  const scrape = async (): Promise<string> => (await fetch(`${s.url}/metrics`)).text();
  before(async () => {
    s = await startTestServer();
  });
  after(() => s?.stop());

  it('the series is there at 0 before the first sign-in', async () => {
    const text = await scrape();
    assert.equal(sample(text, 'gatehouse_sessions_issued_total', { via: 'ConsoleSignIn' }), 0, text.split('\n').filter((l) => l.startsWith('gatehouse_sessions_issued_total')).join('\n'));
  });

  it('a sign-in counts under via="ConsoleSignIn", not "other"', async () => {
    const conn = { endpoint: new URL(s.url), credentials: s.admin, region: 'us-east-1', credentialsSource: 'test' };
    const signIn = await call<{ credentials: { accessKeyId: string } }>(conn, 'POST', ['console', 'sign-in']);
    assert.ok(signIn.ok, JSON.stringify(signIn));
    const text = await scrape();
    assert.equal(sample(text, 'gatehouse_sessions_issued_total', { via: 'ConsoleSignIn' }), 1);
    assert.equal(sample(text, 'gatehouse_sessions_issued_total', { via: 'other' }), undefined, 'nothing counted as other');
  });
});
