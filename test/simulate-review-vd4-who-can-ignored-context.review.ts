/**
 * Review vd, 4: who-can dropped the context keys it does not take without a word. Every principal is asked through the
 * simulation, which leaves out what describes the principal (`aws:PrincipalArn`, `aws:username`, `aws:userid`…: each
 * principal asked is itself) and the resource's owner (`aws:ResourceAccount`: Gatehouse knows it), and says so in the
 * answer's diagnostics ("context `aws:PrincipalArn` ignored: …", as POST /v1/authorize and POST /v1/simulate say it,
 * review ic, 4). who-can's answer carries no principal's diagnostics, so "who can read it as user x", or "…were the
 * bucket account B's", was answered as if the key had not been given, the asker none the wiser. Now who-can's note
 * says which keys were not taken and why, as the simulation words it; `gatehouse who-can` prints it. A context without
 * such keys adds nothing. Real server, SigV4-signed /v1/ requests, CLI in process.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { call } from '../src/adapters/cli/client.ts';
import { connectionTo } from './support/processes.ts';
import { cliAgainst, startTestServer, type TestServer } from './support/server.ts';

const R = 'arn:aws:s3:::b/k';

describe('review vd4: who-can says which context keys it did not take', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
  });
  after(() => s?.stop());

  const note = async (context: Record<string, string>) => {
    const r = await call<{ note: string; allowed: { name: string }[] }>(connectionTo(s.url, s.admin), 'POST', ['who-can'], { body: { action: 's3:GetObject', resource: R, context } });
    assert.ok(r.ok, JSON.stringify(r));
    assert.ok(r.value.allowed.some((a) => a.name === 'admin'), JSON.stringify(r.value));
    return r.value.note;
  };

  it('keys describing the principal are named as ignored, and why', async () => {
    const n = await note({ 'aws:PrincipalArn': 'arn:aws:iam::000000000000:user/x', 'aws:username': 'x' });
    assert.match(n, /context `aws:PrincipalArn`, `aws:username` ignored: they describe the principal/, n);
  });

  it('the resource owner is named as ignored, and why', async () => {
    const n = await note({ 'aws:ResourceAccount': '111111111111' });
    assert.match(n, /context `aws:ResourceAccount` ignored: it names the resource's owner/, n);
  });

  it('gatehouse who-can prints it', async () => {
    const cli = await cliAgainst(s, ['who-can', '--action', 's3:GetObject', '--resource', R, '--context', 'aws:username=x']);
    assert.equal(cli.status, 0, cli.out + cli.err);
    assert.match(cli.out, /context `aws:username` ignored/, cli.out);
  });

  it('a context the simulation takes whole adds no such note', async () => {
    const n = await note({ 'aws:SourceIp': '10.0.0.1', 'aws:PrincipalTag/team': 'ml' });
    assert.doesNotMatch(n, /ignored/, n);
  });
});
