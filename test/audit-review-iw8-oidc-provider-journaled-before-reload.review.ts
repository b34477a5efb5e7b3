/**
 * Review iw, 8: an OpenID Connect provider registered, changed or removed (`aws iam create-open-id-connect-provider` and
 * the rest) was journaled only after the server had reloaded what it changed: as for the directory's changes before
 * review iw, 3, a process killed between the COMMIT and the end of that read of the database left the provider
 * registered — an identity provider the caller controls, whose tokens roles may then trust: a way to keep access — and
 * no record of it, not even in the journal. Now the change is recorded (and journaled) as its transaction commits.
 *
 * A real `gatehouse server` process on the test PostgreSQL behind a TCP proxy that passes the COMMIT and its answer, then
 * holds every byte; the process is SIGKILLed while the reload waits; a second start on the same data dir and schema
 * recovers the journal. A loopback OIDC issuer, the IAM SDK and the admin API.
 *
 * Before the fix 1 of 2 tests failed (no record of the provider, though it is registered).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Agent } from 'node:http';
import { CreateOpenIDConnectProviderCommand, IAMClient, ListOpenIDConnectProvidersCommand } from '@aws-sdk/client-iam';
import { startOidcIssuer, type OidcIssuer } from './support/oidc-issuer.ts';
import { commitFreezeWorld, type RestartedServer } from './support/commit-freeze.ts';
import { pgSkip } from './support/postgres.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { settled } from './support/settle.ts';

const skip = await pgSkip();

describe('review iw8: an OIDC provider registered is journaled before the reload that follows its commit', { skip, timeout: 120_000 }, () => {
  const world = commitFreezeWorld('iw8');
  let second: RestartedServer | undefined;
  let issuer: OidcIssuer | undefined;
  before(() => world.open());
  after(async () => {
    await world.close();
    await issuer?.close();
  });

  it('a provider registered, the database stops answering after the commit, the process is killed: the record is recovered', async () => {
    issuer = await startOidcIssuer();
    const first = await world.start(world.proxyUrl);
    const admin = world.admin;
    const iam = new IAMClient({ endpoint: first.url, region: 'us-east-1', credentials: admin, maxAttempts: 1, requestHandler: { httpAgent: new Agent({ keepAlive: false }) } });
    // The write, not the reads before it (which name the provider too).
    world.arm((text) => issuer !== undefined && text.includes(issuer.hostPath), { writesOnly: true });
    const pending = iam.send(new CreateOpenIDConnectProviderCommand({ Url: issuer.url, ClientIDList: ['sts.amazonaws.com'] })).catch((e: unknown) => e);
    assert.equal(await world.waitFrozen(), 'frozen', 'the provider committed, and the database then stopped answering');
    // Whatever the server does at once with a committed change (half a second); then the hard stop.
    await world.killHard(first);
    await pending;
    iam.destroy();

    // The database answers again.
    second = await world.restart();
    const iam2 = new IAMClient({ endpoint: second.url, region: 'us-east-1', credentials: admin, maxAttempts: 1, requestHandler: { httpAgent: new Agent({ keepAlive: false }) } });
    const listed = await iam2.send(new ListOpenIDConnectProvidersCommand({}));
    iam2.destroy();
    assert.equal(listed.OpenIDConnectProviderList?.length, 1, 'the provider was registered');
    const secondUrl = second.url;
    type Rec = { action: string; decision?: string; resource: string; detail: Record<string, unknown> };
    // Appended in the background at start: asked for until it is there, to a bound of time (settle.ts), not 30 tries.
    const records = await settled(
      async (): Promise<Rec[]> => {
        const r = await gatehouseJson(secondUrl, admin, 'GET', '/v1/audit?action=iam:CreateOpenIDConnectProvider&limit=1000');
        assert.equal(r.status, 200, JSON.stringify(r.json));
        return (r.json as { records: Rec[] }).records;
      },
      (got) => got.length > 0,
    );
    // Before the fix: none (the record was to be made after the reload, which the kill cut short).
    assert.equal(records.length, 1, `the provider is in the audit log once: ${JSON.stringify(records)}`);
    assert.equal(records[0]?.decision, 'ok');
    assert.equal(records[0]?.resource, listed.OpenIDConnectProviderList?.[0]?.Arn);
    assert.ok(records[0]?.detail['recoveredFromSpool'] !== undefined, 'recovered from the journal');
  });

  it('the chain verifies', async () => {
    assert.ok(second, 'the second start ran');
    const admin = world.admin;
    const v = await gatehouseJson(second.url, admin, 'GET', '/v1/audit/verify');
    assert.equal(v.status, 200, JSON.stringify(v.json));
    assert.equal(v.json['ok'], true, JSON.stringify(v.json));
  });
});
