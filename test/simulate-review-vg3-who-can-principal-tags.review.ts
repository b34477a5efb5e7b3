/**
 * Review vg, 3: who-can's note did not say what a condition on `aws:PrincipalTag/K` depends on. A user granted "when
 * tagged team=ml" and not tagged so was listed among those "not allowed in this context only because conditions of their
 * Allow statements did not hold", beside those missing `aws:SourceIp`, with `StringEquals aws:PrincipalTag/team`: read
 * as something another request could carry, where no request can, only tagging the user (a role's session: its role's
 * tags, or a session tag). And with `--context aws:PrincipalTag/team=ml` every principal was decided as tagged so, in
 * place of its own tag (bob, untagged, listed as allowed; alice, tagged ml, excluded under team=other), while the note
 * still said roles were asked "with no session policy or tags". The note now names the tag each such condition reads
 * and says it is the principal's own (and how it changes), and says that tags given in the context stand in for every
 * principal's own. Real server, SDK v3 IAM, SigV4-signed /v1/ requests, CLI in process.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { call } from '../src/adapters/cli/client.ts';
import { connectionTo } from './support/processes.ts';
import { cliAgainst, startTestServer, type TestServer } from './support/server.ts';

const R = 'arn:aws:s3:::b/k';
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const TAGGED = doc({ Effect: 'Allow', Action: 's3:GetObject', Resource: '*', Condition: { StringEquals: { 'aws:PrincipalTag/team': 'ml' } } });

describe('review vg3: who-can says a principal tag condition reads the principal’s tags', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
    const iam = s.iam();
    await iam.send(new I.CreateUserCommand({ UserName: 'alice', Tags: [{ Key: 'team', Value: 'ml' }] }));
    await iam.send(new I.CreateUserCommand({ UserName: 'bob' }));
    for (const UserName of ['alice', 'bob']) await iam.send(new I.PutUserPolicyCommand({ UserName, PolicyName: 'p', PolicyDocument: TAGGED }));
  });
  after(() => s?.stop());

  const whoCan = async (context?: Record<string, string>) => {
    const r = await call<{ note: string; allowed: { name: string }[]; conditionallyExcluded: { name: string }[] }>(connectionTo(s.url, s.admin), 'POST', ['who-can'], { body: { action: 's3:GetObject', resource: R, ...(context ? { context } : {}) } });
    assert.ok(r.ok, JSON.stringify(r));
    return r.value;
  };

  it('a principal excluded by a principal-tag condition: the note names the tag and says it is the principal’s own', async () => {
    const a = await whoCan();
    assert.deepEqual(a.conditionallyExcluded.map((x) => x.name), ['bob']);
    assert.match(a.note, /conditions on `aws:PrincipalTag\/team` read each principal's own tag \(`team`\), not the request/, a.note);
    assert.match(a.note, /TagUser/, a.note);
  });

  it('tags given in the context: the note says they stand in for every principal’s own, not "no session policy or tags"', async () => {
    const a = await whoCan({ 'aws:PrincipalTag/team': 'ml' });
    assert.ok(a.allowed.some((x) => x.name === 'bob'), 'asked as tagged ml');
    assert.doesNotMatch(a.note, /no session policy or tags/, a.note);
    assert.match(a.note, /context `aws:PrincipalTag\/team` taken as a tag of every principal asked, in place of the tag it has/, a.note);
    assert.doesNotMatch(a.note, /conditions on `aws:PrincipalTag\/team`/, 'said once');
  });

  it('a condition on another key adds no such note', async () => {
    const iam = s.iam();
    await iam.send(new I.PutUserPolicyCommand({ UserName: 'bob', PolicyName: 'p', PolicyDocument: doc({ Effect: 'Allow', Action: 's3:GetObject', Resource: '*', Condition: { IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } } }) }));
    await iam.send(new I.DeleteUserPolicyCommand({ UserName: 'alice', PolicyName: 'p' }));
    try {
      const a = await whoCan();
      assert.doesNotMatch(a.note, /PrincipalTag/, a.note);
    } finally {
      await iam.send(new I.PutUserPolicyCommand({ UserName: 'bob', PolicyName: 'p', PolicyDocument: TAGGED }));
      await iam.send(new I.PutUserPolicyCommand({ UserName: 'alice', PolicyName: 'p', PolicyDocument: TAGGED }));
    }
  });

  it('gatehouse who-can prints it', async () => {
    const cli = await cliAgainst(s, ['who-can', '--action', 's3:GetObject', '--resource', R]);
    assert.equal(cli.status, 0, cli.out + cli.err);
    assert.match(cli.out, /conditions on `aws:PrincipalTag\/team` read each principal's own tag/, cli.out);
  });
});
