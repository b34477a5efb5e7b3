/**
 * Review gm, 9: the Query API answered an unknown `Action` with `Could not find operation <Action> for version …`,
 * quoting the action whole: an unsigned request (no credentials needed) with an `Action` of up to 1 MiB was answered
 * with all of it, XML-escaped, so a `"` sent as `%22` (3 bytes) came back as `&quot;` (6): twice the bytes out as in,
 * from anyone who can reach the port (reviews gc 4 and fd 5 bounded the other echoes). Now an action longer than 128
 * characters is quoted by its first 128 and its length; a short unknown one is still named whole. Real server (SQLite).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from './support/server.ts';

describe('review gm9: an unknown Query API action is not echoed whole', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
  });
  after(async () => s?.stop());

  const post = async (action: string, version = '2011-06-15'): Promise<{ status: number; text: string; sent: number }> => {
    const body = new URLSearchParams({ Action: action, Version: version }).toString();
    const r = await fetch(`${s.url}/`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
    return { status: r.status, text: await r.text(), sent: body.length };
  };

  it('a 300,000-character action: refused InvalidAction, answered in a few hundred bytes', async () => {
    for (const version of ['2011-06-15', '2010-05-08']) {
      const r = await post('"'.repeat(300_000), version);
      assert.equal(r.status, 400, r.text.slice(0, 300));
      assert.match(r.text, /<Code>InvalidAction<\/Code>/);
      assert.ok(r.text.length < 2000, `${r.sent} bytes sent, ${r.text.length} answered`);
      assert.match(r.text, /300000 characters/);
    }
  });

  it('a short unknown action is still named whole', async () => {
    const r = await post('AssumeRoleWithMagic');
    assert.equal(r.status, 400);
    assert.match(r.text, /Could not find operation AssumeRoleWithMagic for version 2011-06-15/);
  });
});
