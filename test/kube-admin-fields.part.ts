/**
 * The Kubernetes admin routes refuse a body field they do not know with 400 VALIDATION_ERROR naming it, as the other
 * admin routes do (review K, K5): `{"rotat": true}` on `POST /v1/clusters/{name}/webhook-config` answered 200 without
 * rotating the token (an operator rotating a leaked token was told nothing, and it kept working), and an access entry
 * sent with `kubernetesGroup` was created with no groups. `apply`'s AccessEntry spec refuses them too. Through signed
 * requests (the CLI's `call`) to a real server.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { call, type ClientResult } from '../src/adapters/cli/client.ts';
import { connectionTo } from './support/processes.ts';
import { startTestServer, type TestServer } from './support/server.ts';

function refused(r: ClientResult<unknown>, path: string, message: RegExp): void {
  assert.equal(r.ok, false, `expected a refusal naming \`${path}\`, got ${JSON.stringify(r)}`);
  if (r.ok) return;
  assert.equal(r.httpStatus, 400, r.message);
  assert.equal(r.errors[0]?.code, 'VALIDATION_ERROR');
  assert.equal(r.errors[0]?.path, path);
  assert.match(r.message, message);
}

describe('Kubernetes admin routes: unknown body fields are refused, naming the field (review K, K5)', () => {
  let server: TestServer;
  let alice = '';
  const req = <T = Record<string, unknown>>(method: string, path: string[], body?: unknown) => call<T>(connectionTo(server.url, server.admin), method, path, body === undefined ? {} : { body });

  before(async () => {
    server = await startTestServer();
    const c = await req('PUT', ['clusters', 'kc'], {});
    assert.ok(c.ok, JSON.stringify(c));
    const u = await req<{ arn: string }>('POST', ['users'], { name: 'alice' });
    assert.ok(u.ok, JSON.stringify(u));
    alice = u.value.arn;
  });
  after(async () => {
    await server?.stop();
  });

  it('POST webhook-config with a misspelt `rotate`: 400, and the token is not changed; `rotate` still rotates', async () => {
    const first = await req<{ token: string }>('POST', ['clusters', 'kc', 'webhook-config'], {});
    assert.ok(first.ok, JSON.stringify(first));
    refused(await req('POST', ['clusters', 'kc', 'webhook-config'], { rotat: true }), 'rotat', /unknown field `rotat` \(allowed: rotate\)/);
    refused(await req('POST', ['clusters', 'kc', 'webhook-config'], { rotate: 'true' }), 'rotate', /`rotate` must be true or false/);
    const again = await req<{ token: string }>('POST', ['clusters', 'kc', 'webhook-config'], {});
    assert.equal(again.ok && again.value.token, first.value.token);
    const rotated = await req<{ token: string }>('POST', ['clusters', 'kc', 'webhook-config'], { rotate: true });
    assert.ok(rotated.ok, JSON.stringify(rotated));
    assert.notEqual(rotated.value.token, first.value.token);
  });

  it('POST access-entries with `kubernetesGroup`: 400, no entry; with `kubernetesGroups`, the groups are set', async () => {
    refused(await req('POST', ['clusters', 'kc', 'access-entries'], { principalArn: alice, kubernetesGroup: ['ml-admins'] }), 'kubernetesGroup', /unknown field `kubernetesGroup` \(allowed: principalArn, kubernetesGroups, username\)/);
    refused(await req('POST', ['clusters', 'kc', 'access-entries'], { principalArn: alice, userName: 'a' }), 'userName', /unknown field `userName`/);
    const list = await req<{ accessEntries: unknown[] }>('GET', ['clusters', 'kc', 'access-entries']);
    assert.deepEqual(list.ok && list.value.accessEntries, []);
    const made = await req<{ kubernetesGroups: string[] }>('POST', ['clusters', 'kc', 'access-entries'], { principalArn: alice, kubernetesGroups: ['ml-admins'] });
    assert.ok(made.ok, JSON.stringify(made));
    assert.deepEqual(made.value.kubernetesGroups, ['ml-admins']);
  });

  it('apply: an AccessEntry spec with `kubernetesGroup` is refused, naming it, and nothing is applied', async () => {
    const doc = { apiVersion: 'gatehouse.dev/v1', kind: 'AccessEntry', metadata: { name: 'alice-typo' }, spec: { cluster: 'kc', principalArn: alice, kubernetesGroup: ['x'] } };
    const r = await req('POST', ['apply'], { documents: [doc] });
    assert.equal(r.ok, false, JSON.stringify(r));
    if (!r.ok) {
      assert.equal(r.httpStatus, 400, r.message);
      assert.ok(r.errors.some((e) => e.code === 'VALIDATION_ERROR' && /spec\.kubernetesGroup$/.test(e.path ?? '')), JSON.stringify(r.errors));
      assert.match(r.message, /unknown field `kubernetesGroup`/);
    }
  });
});
