/**
 * Review U, U1, for `POST /v1/escalation-paths`: PassRole to a training job is reported only as enforcement decides
 * it (app/principals.ts `decideOnRole`), so a Deny that spells the role or PassRole in the other dialect
 * (`acs:ram::A:role/x` for an `aws` role, `ram:PassRole` for `iam:PassRole`) cuts the step. Every user below may
 * create jobs in workspace `lab` and is allowed `iam:PassRole` on `*`; role `big` trusts the training service.
 * The report asks its PassRole questions through the authorize engine (app/authorize.ts `decideOnRoleAsked`, review
 * U, U2), which decides them so; this guards that the report keeps doing so.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

const ROOT = '000000000000';
const V = '2012-10-17';
const doc = (kind: string, name: string, spec: Record<string, unknown>) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name }, spec });
const inline = (...Statement: Record<string, unknown>[]) => ({ Version: V, Statement });
const allow = (Action: string | string[], Resource: string | string[] = '*') => ({ Effect: 'Allow', Action, Resource });
const user = (n: string) => `arn:aws:iam::${ROOT}:user/${n}`;
const role = (n: string) => `arn:aws:iam::${ROOT}:role/${n}`;

interface Report {
  principal: string;
  canBecome: { principal: string; path: { how: string; actions: string[] }[] }[];
}

let server: TestServer;

before(async () => {
  server = await startTestServer();
  const scientist = (name: string, deny?: Record<string, unknown>) =>
    doc('User', name, { inlinePolicies: { jobs: inline(allow(['training:CreateJob', 'iam:PassRole']), ...(deny ? [{ Effect: 'Deny', ...deny }] : [])) } });
  const applied = await gatehouseJson(server.url, server.admin, 'POST', '/v1/apply', {
    documents: [
      doc('Role', 'big', { trustPolicy: inline({ Effect: 'Allow', Principal: { Service: 'training.gatehouse.dev' }, Action: 'sts:AssumeRole' }), inlinePolicies: { all: inline(allow('s3:*')) } }),
      scientist('passer'),
      scientist('denyarn', { Action: 'iam:PassRole', Resource: `acs:ram::${ROOT}:role/big` }),
      scientist('denyaction', { Action: 'ram:PassRole', Resource: role('big') }),
      doc('Workspace', 'lab', { members: [{ user: 'passer' }, { user: 'denyarn' }, { user: 'denyaction' }] }),
    ],
  });
  assert.equal(applied.status, 200, JSON.stringify(applied.json));
});
after(async () => {
  await server?.stop();
});

async function pathsOf(principal: string): Promise<Report> {
  const r = await gatehouseJson(server.url, server.admin, 'POST', '/v1/escalation-paths', { principal });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  const reports = (r.json as unknown as { reports: Report[] }).reports;
  assert.equal(reports.length, 1);
  return reports[0] as Report;
}

describe('escalation paths: PassRole to a training job, with a Deny in the other dialect (review U, U1)', () => {
  it('with no Deny: reported as able to pass big to a training job', async () => {
    const r = await pathsOf(user('passer'));
    const big = r.canBecome.find((b) => b.principal === role('big'));
    assert.deepEqual(big?.path.map((s) => [s.how, s.actions]), [['iam:PassRole to a training job', ['iam:PassRole', 'training:CreateJob']]]);
  });

  it('a Deny of iam:PassRole on acs:ram::A:role/big: not reported', async () => {
    const r = await pathsOf(user('denyarn'));
    assert.equal(r.canBecome.some((b) => b.principal === role('big')), false, JSON.stringify(r.canBecome));
  });

  it('a Deny of ram:PassRole on the role: not reported', async () => {
    const r = await pathsOf(user('denyaction'));
    assert.equal(r.canBecome.some((b) => b.principal === role('big')), false, JSON.stringify(r.canBecome));
  });
});
