/**
 * Review nz, 2: the summary of refused web-identity calls the flood limit left out is the kind of record it sums up.
 *
 * Contract: README §7 — a `session` record is "every session issued … or refused (`Deny` …)", and `audit query --kind`
 * filters by it; docs/decisions.md (review kp, 3) — a refused web-identity call's summary names whom its record does, so
 * that a query by the role finds every attempt on it; issue 7 — "never drops one silently".
 *
 * What was wrong: a refused AssumeRoleWithWebIdentity is recorded as a `session` `Deny` on the role (resource: the
 * role), but the summary of those the flood limit left out was a `decision` on resource `*`: `audit query --kind session
 * --role R` (the refused sessions of a role) counted the few recorded and missed the many summarised, `--kind decision`
 * listed a decision nobody made, and a query by the role as resource missed the summary. Now the summary of refused
 * sessions is a `session` record on the role, as its records are (summaries of refused signed requests stay `decision`).
 * A real server in process, an OIDC issuer on loopback, real AWS SDK v3 (unsigned AssumeRoleWithWebIdentity).
 *
 * Before the fix 1 of 1 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AuditRecord } from '../src/core/audit/index.ts';
import { auditRecords, type TestServer } from './support/server.ts';
import { refusalsCounted as total, refusedWebIdentityFlood, startRefusingRole } from './support/web-identity-flood.ts';
import type { WebIdentityWorld } from './support/web-identity.ts';

const IP = '127.0.0.23';

describe('audit review nz2: a summary of refused web-identity calls is a session record on the role', () => {
  let world: WebIdentityWorld;
  let s: TestServer;
  let roleArn = '';
  before(async () => {
    ({ world, roleArn } = await startRefusingRole('ci-nz2'));
    s = world.server;
  });
  after(() => world?.close());

  it('a burst from one address: --kind session --role R accounts for every attempt, --kind decision for none', async () => {
    const { sent: N, records: got } = await refusedWebIdentityFlood(world, roleArn, IP);
    assert.equal(total(got), N, 'every refusal once');
    const summaries = got.filter((r) => r.detail['first'] !== undefined);
    assert.equal(summaries.length, 1, 'one summary');
    const [sum] = summaries as [AuditRecord];
    assert.deepEqual([sum.kind, sum.resource, sum.role, sum.decision], ['session', roleArn, roleArn, 'Deny'], 'the summary is what its records are');
    const refusedSessions = (await auditRecords(s, { kind: 'session', role: roleArn })).filter((r) => r.sourceIp === IP);
    assert.equal(total(refusedSessions), N, "the role's refused sessions account for every attempt");
    const decisions = (await auditRecords(s, { kind: 'decision' })).filter((r) => r.sourceIp === IP);
    assert.deepEqual(decisions.map((r) => r.action), [], 'no decision was made');
  });
});
