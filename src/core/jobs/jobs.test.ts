import { test } from 'node:test';
import assert from 'node:assert/strict';
import { COMPUTE_SERVICE, COMPUTE_SERVICE_ACS, refreshAt, servableUntil, servedExpiration, servingMargin, trustFix } from './jobs.ts';

test('trustFix names the service the role must trust, in the message and in the statement to add', () => {
  const role = 'arn:aws:iam::111122223333:role/node';
  assert.equal(
    trustFix('aws', role),
    `the trust policy of role ${role} does not allow the training service training.gatehouse.dev to assume it; add this statement to the role's trust policy: {"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"Service":"training.gatehouse.dev"}}`,
  );
  // A pod or a node: the compute service, in both places (the statement named the training service).
  const compute = trustFix('aws', role, COMPUTE_SERVICE);
  assert.match(compute, /does not allow the compute service compute\.gatehouse\.dev to assume it/);
  assert.match(compute, /"Principal":\{"Service":"compute\.gatehouse\.dev"\}/);
  assert.equal(compute.includes('training'), false);
  const acs = trustFix('acs', 'acs:ram::111122223333:role/node', COMPUTE_SERVICE_ACS);
  assert.match(acs, /the compute service ecs\.aliyuncs\.com .*"Principal":\{"Service":\["ecs\.aliyuncs\.com"\]\}/);
});

test('servedExpiration: a 12-hour session is served with 3 h to 3 h 15 min left, in 15-minute steps; a shorter one with its own expiry', () => {
  const H = 3600_000;
  const M = 60_000;
  const issued = Date.UTC(2026, 11, 1, 14, 7, 30);
  const expires = issued + 12 * H;
  // The cache refreshes a session at about half its life (refreshAt): up to then it is always served so.
  assert.ok(refreshAt(issued, expires, 1) < expires - 3 * H - 15 * M);
  for (let t = issued; t < expires - 3 * H - 15 * M; t += 7 * M) {
    const served = servedExpiration(expires, t);
    assert.ok(served - t > 3 * H && served - t <= 3 * H + 15 * M, `at +${(t - issued) / M} min: ${(served - t) / M} min left`);
    assert.equal(served % (15 * M), 0, 'on a step');
    assert.ok(served <= expires);
  }
  // The same document for a whole step.
  assert.equal(servedExpiration(expires, Date.UTC(2026, 11, 1, 14, 15)), servedExpiration(expires, Date.UTC(2026, 11, 1, 14, 29, 59)));
  assert.equal(servedExpiration(expires, Date.UTC(2026, 11, 1, 14, 15)), Date.UTC(2026, 11, 1, 17, 30));
  // Near its end, or shorter than 3 h: the real expiry, which servableUntil keeps ≥ 30 min ahead.
  assert.equal(servedExpiration(expires, expires - 2 * H), expires);
  assert.ok(expires - servableUntil(issued, expires) >= 30 * M);
  const short = issued + 1 * H;
  assert.equal(servedExpiration(short, refreshAt(issued, short, 1)), short);
});

test('servingMargin: 30 min from an hour up, half the lifetime below, never under 15 min while 5 remain to serve (review vj, 1)', () => {
  const M = 60_000;
  const cases: [number, number][] = [[180, 30], [60, 30], [40, 20], [30, 15], [25, 15], [20, 15], [16, 11], [10, 5], [20 / 60, 10 / 60]];
  for (const [life, margin] of cases) assert.equal(servingMargin(life * M), margin * M, `a ${life}-minute session`);
  // A smaller cap (the node agent's `marginMs`) bounds it.
  assert.equal(servingMargin(20 * M, 5 * M), 5 * M);
});
