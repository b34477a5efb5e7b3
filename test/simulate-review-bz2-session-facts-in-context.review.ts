/**
 * Review bz, 2: `gatehouse simulate --context` (and POST /v1/simulate, who-can, escalation-paths) ignored every context
 * key that describes the principal's session or request time, as the authorize API must (a resource server may not
 * forge them): `aws:CurrentTime`, `aws:EpochTime`, `aws:TokenIssueTime`, `aws:PrincipalTag/K`, `aws:SourceIdentity`,
 * `aws:MultiFactorAuthPresent`. A simulation could not ask whether a grant that expires is still good next month, nor
 * what a session tagged `team=ml` may do, as `aws iam simulate-principal-policy --context-entries` asks (DESIGN.md
 * "Errors": ContextEntries override what the directory would supply). A simulation now takes them; who the principal is
 * (`aws:PrincipalArn`, `aws:PrincipalAccount`, `aws:userid`, `aws:username`) stays the directory's, and the authorize
 * API still ignores them all. Real server, SDK v3 IAM, CLI in process.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { call } from '../src/adapters/cli/client.ts';
import { connectionTo } from './support/processes.ts';
import { cliAgainst, startTestServer, type TestServer } from './support/server.ts';

const A = '000000000000';
const ALICE = `arn:aws:iam::${A}:user/alice`;
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });

describe('review bz2: a simulation takes the session facts it is given', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
    const iam = s.iam();
    await iam.send(new I.CreateUserCommand({ UserName: 'alice' }));
    await iam.send(
      new I.PutUserPolicyCommand({
        UserName: 'alice',
        PolicyName: 'p',
        PolicyDocument: doc(
          { Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::until-2030/*', Condition: { DateLessThan: { 'aws:CurrentTime': '2030-01-01T00:00:00Z' } } },
          { Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::ml/*', Condition: { StringEquals: { 'aws:PrincipalTag/team': 'ml' } } },
          { Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::mine/*', Condition: { ArnEquals: { 'aws:PrincipalArn': ALICE } } },
        ),
      }),
    );
  });
  after(() => s?.stop());

  const ask = async (route: 'simulate' | 'authorize', resource: string, context: Record<string, string>) => {
    const r = await call<{ decision: string; diagnostics: string[] }>(connectionTo(s.url, s.admin), 'POST', [route], { body: { principal: ALICE, action: 's3:GetObject', resource, context } });
    assert.ok(r.ok, r.ok ? '' : `${r.code} ${r.message}`);
    return r.value;
  };

  it('aws:CurrentTime asks about another time: a grant that expires in 2030 is refused in 2031', async () => {
    assert.equal((await ask('simulate', 'arn:aws:s3:::until-2030/k', {})).decision, 'Allow');
    const later = await ask('simulate', 'arn:aws:s3:::until-2030/k', { 'aws:CurrentTime': '2031-01-01T00:00:00Z' });
    assert.equal(later.decision, 'ImplicitDeny', JSON.stringify(later));
    const cli = await cliAgainst(s, ['simulate', '--as', ALICE, '--action', 's3:GetObject', '--resource', 'arn:aws:s3:::until-2030/k', '--context', 'aws:CurrentTime=2031-01-01T00:00:00Z']);
    assert.equal(cli.status, 1, cli.out + cli.err);
    assert.match(cli.out, /^ImplicitDeny/);
  });

  it('aws:PrincipalTag/K asks about a session carrying that tag', async () => {
    assert.equal((await ask('simulate', 'arn:aws:s3:::ml/k', {})).decision, 'ImplicitDeny');
    const tagged = await ask('simulate', 'arn:aws:s3:::ml/k', { 'aws:PrincipalTag/team': 'ml' });
    assert.equal(tagged.decision, 'Allow', JSON.stringify(tagged));
  });

  it('who the principal is stays the directory\'s; the authorize API still ignores every one of them', async () => {
    const other = await ask('simulate', 'arn:aws:s3:::mine/k', { 'aws:PrincipalArn': `arn:aws:iam::${A}:user/bob` });
    assert.equal(other.decision, 'Allow', JSON.stringify(other));
    assert.match(other.diagnostics.join('\n'), /context `aws:PrincipalArn` ignored/);
    const enforced = await ask('authorize', 'arn:aws:s3:::ml/k', { 'aws:PrincipalTag/team': 'ml' });
    assert.equal(enforced.decision, 'ImplicitDeny', JSON.stringify(enforced));
    assert.equal((await ask('authorize', 'arn:aws:s3:::until-2030/k', { 'aws:CurrentTime': '2031-01-01T00:00:00Z' })).decision, 'Allow');
  });
});
