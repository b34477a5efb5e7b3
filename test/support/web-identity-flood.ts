/**
 * A flood of refused AssumeRoleWithWebIdentity calls from one loopback address, for the reviews of its audit summary
 * (kp 3, nz 2): a web identity world (web-identity.ts) whose role `role` trusts the issuer's tokens of subject
 * `repo:ml/train` only, and a burst of tokens of another subject from that address, ending with refusals the flood
 * limit left out (flood-burst.ts), read back once the summary is written and every refusal is accounted for.
 */
import assert from 'node:assert/strict';
import { Agent } from 'node:http';
import { AssumeRoleWithWebIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import type { AuditRecord } from '../../src/core/audit/index.ts';
import { auditRecordsFrom } from './audit-from.ts';
import { floodBurst } from './flood-burst.ts';
import { settled } from './settle.ts';
import { errorName, REGION } from './server.ts';
import { startWebIdentityWorld, type WebIdentityWorld } from './web-identity.ts';

/** The world, with role `role` trusting the issuer's provider for subject `repo:ml/train` only; its ARN. */
export async function startRefusingRole(role: string): Promise<{ world: WebIdentityWorld; roleArn: string }> {
  const world = await startWebIdentityWorld({
    // The provider's subject key is `<host/path>:sub`, its ARN's resource (`oidc-provider/<host/path>`).
    roles: (provider) => ({ [role]: { trust: { Effect: 'Allow', Principal: { Federated: provider }, Action: 'sts:AssumeRoleWithWebIdentity', Condition: { StringEquals: { [`${provider.slice(provider.indexOf(':oidc-provider/') + ':oidc-provider/'.length)}:sub`]: 'repo:ml/train' } } } } }),
  });
  return { world, roleArn: `arn:aws:iam::${world.server.adminFile.AccountId}:role/${role}` };
}

/** The refusals `records` account for: each record one, and each summary those it sums up (`detail.suppressed`). */
export const refusalsCounted = (records: readonly AuditRecord[]): number => records.reduce((n, r) => n + (r.detail['first'] === undefined ? 1 : 0) + Number(r.detail['suppressed'] ?? 0), 0);

/**
 * Sends at least 50 AssumeRoleWithWebIdentity calls of `roleArn` from `ip` with a token the role's trust refuses, each
 * answered AccessDenied; how many were sent, and the records from `ip` once a summary is among them and they account
 * for every call (waited for on that condition, settle.ts).
 */
export async function refusedWebIdentityFlood(world: WebIdentityWorld, roleArn: string, ip: string): Promise<{ sent: number; records: AuditRecord[] }> {
  const s = world.server;
  const token = await world.issuer.mint({ sub: 'repo:ml/other' });
  const agent = new Agent({ localAddress: ip, keepAlive: true, maxSockets: 8 });
  const sts = new STSClient({ endpoint: s.url, region: REGION, credentials: { accessKeyId: 'unused', secretAccessKey: 'unused' }, maxAttempts: 1, requestHandler: { httpAgent: agent } });
  // 50 and more: the burst ends with refusals left out (flood-burst.ts), so a summary is due.
  // The clock held (the server is in this process): on a loaded host the flood limit gave tokens back as fast as the
  // closing tries were sent, and the burst never ended (review nz2 ran into its 60 s timeout in stop 65's CI).
  const sent = await floodBurst(
    s.url,
    50,
    async () => {
      assert.equal(await errorName(sts.send(new AssumeRoleWithWebIdentityCommand({ RoleArn: roleArn, RoleSessionName: 'ci', WebIdentityToken: token }))), 'AccessDenied');
    },
    { holdClock: true },
  );
  sts.destroy();
  agent.destroy();
  const records = await settled(
    () => auditRecordsFrom(s, ip),
    (rs) => rs.some((r) => r.detail['first'] !== undefined) && refusalsCounted(rs) >= sent,
  );
  return { sent, records };
}
