/**
 * Review cb, finding 5: the server's address opened in a browser (`http://127.0.0.1:8470/`, what the start line
 * prints) answered a JSON 404 "no route for GET /", and nothing said the console is at /ui/. Now a browser (Accept:
 * text/html) is redirected to /ui/, and any other GET / is told where the console, the admin API and the Query APIs
 * are. The Query API's GET / with Action=… is unchanged. Real server.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { startTestServer, type TestServer } from './support/server.ts';

let server: TestServer;
before(async () => {
  server = await startTestServer();
});
after(() => server?.stop());

describe('GET / points to the console (review cb, 5)', () => {
  it('a browser is sent to /ui/, which serves the console', async () => {
    const r = await fetch(`${server.url}/`, { headers: { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' }, redirect: 'manual' });
    // Before the fix: 404 JSON.
    assert.equal(r.status, 302);
    assert.equal(r.headers.get('location'), '/ui/');
    await r.body?.cancel();
    const ui = await fetch(`${server.url}/`, { headers: { accept: 'text/html' } });
    assert.equal(ui.status, 200);
    assert.match(ui.headers.get('content-type') ?? '', /text\/html/);
    await ui.body?.cancel();
  });

  it('any other client is told where things are, 404', async () => {
    const r = await fetch(`${server.url}/`);
    assert.equal(r.status, 404);
    const j = (await r.json()) as { error: { message: string } };
    assert.match(j.error.message, /\/ui\//);
    assert.match(j.error.message, /POST \//);
  });

  it('the Query API still answers at / (the STS SDK)', async () => {
    const id = await server.sts().send(new GetCallerIdentityCommand({}));
    assert.equal(id.Account, server.adminFile.AccountId);
  });
});
