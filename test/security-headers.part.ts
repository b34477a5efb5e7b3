/**
 * Headers that keep answers out of caches and out of the browser's guesswork (review Q, Q2): the Query API's
 * answers carry secrets (CreateAccessKey, AssumeRole) and are taken as signed GETs too, so they say `no-store`, as
 * the /v1/ answers do; every API answer on the console's origin says `nosniff`; the console cuts the opener's handle.
 * Real SDK v3 clients against a server on 127.0.0.1, the headers read from the raw answers.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import * as S from '@aws-sdk/client-sts';
import { startTestServer, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

let server: TestServer;

before(async () => {
  server = await startTestServer();
});

after(async () => {
  await server?.stop();
});

/** The raw headers of the answer to an SDK command, caught by a middleware after the request is sent. */
async function headersOf<T>(client: { middlewareStack: { add: (m: unknown, o: unknown) => void }; send: (c: never) => Promise<T> }, command: unknown): Promise<Record<string, string>> {
  let seen: Record<string, string> = {};
  client.middlewareStack.add(
    (next: (a: unknown) => Promise<{ response: { headers: Record<string, string> } }>) => async (args: unknown) => {
      const out = await next(args);
      seen = out.response.headers;
      return out;
    },
    { step: 'deserialize', name: 'catchHeaders', priority: 'low' },
  );
  await client.send(command as never);
  return seen;
}

describe('answers that carry secrets are never stored, and no answer is sniffed', () => {
  it('the Query API: CreateAccessKey and STS answers, errors included, say no-store and nosniff', async () => {
    await server.iam().send(new I.CreateUserCommand({ UserName: 'victim' }));
    const key = await headersOf(server.iam() as never, new I.CreateAccessKeyCommand({ UserName: 'victim' }));
    assert.equal(key['cache-control'], 'no-store');
    assert.equal(key['x-content-type-options'], 'nosniff');
    const who = await headersOf(server.sts() as never, new S.GetCallerIdentityCommand({}));
    assert.equal(who['cache-control'], 'no-store');
    // An error answer too (it echoes what was asked).
    const r = await fetch(`${server.url}/?Action=%3Cx%3E`);
    await r.text();
    assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(r.headers.get('cache-control'), 'no-store');
  });

  it('/v1/ answers say nosniff besides no-store; the console sends Cross-Origin-Opener-Policy', async () => {
    const r = await gatehouseJson(server.url, server.admin, 'GET', '/v1/whoami');
    assert.equal(r.status, 200);
    const raw = await fetch(`${server.url}/v1/nothing-here`);
    await raw.text();
    assert.equal(raw.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(raw.headers.get('cache-control'), 'no-store');
    const ui = await fetch(`${server.url}/ui/`);
    await ui.text();
    assert.equal(ui.headers.get('cross-origin-opener-policy'), 'same-origin');
  });
});
