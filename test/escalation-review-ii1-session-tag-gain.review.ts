/**
 * Review ii, 1: escalation-paths did not count the session tags a principal passes when it assumes a role. Session tags
 * are the session's principal tags, over the role's own (reference §A.1.8, `aws:PrincipalTag/K`: "Session tags override
 * role tags with the same key"), so a role whose policies grant by a tag it does not carry (`Condition StringEquals
 * aws:PrincipalTag/clearance = high`, AWS's ABAC pattern) grants that to every session opened with `Tags
 * clearance=high`, by whoever the trust policy lets pass tags (`sts:TagSession`). The report listed the step to the role
 * and no gain: the auditor read the role's tag-gated statements as out of reach. It now lists the gain (`sts:TagSession`
 * on the role, `gives: tags`, the tags in its reasons) when AssumeRole with those tags is allowed, `sts:TagSession`
 * included, as STS decides it; not when the trust policy does not allow `sts:TagSession`. The gain is then taken through
 * STS. Real server, SDK v3 IAM and STS, authorize API.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import * as S from '@aws-sdk/client-sts';
import { call } from '../src/adapters/cli/client.ts';
import { connectionTo } from './support/processes.ts';
import { startTestServer, type Credentials, type TestServer } from './support/server.ts';

const A = '000000000000';
const user = (n: string) => `arn:aws:iam::${A}:user/${n}`;
const role = (n: string) => `arn:aws:iam::${A}:role/${n}`;
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const abac = { Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::vault/*', Condition: { StringEquals: { 'aws:PrincipalTag/clearance': 'high' } } };

interface Gain {
  readonly by: string;
  readonly principal: string;
  readonly action: string;
  readonly resource: string;
  readonly gives: string;
  readonly reasons: readonly string[];
}

describe('review ii1: session tags passed at AssumeRole meet the role’s tag-gated statements', () => {
  let s: TestServer;
  const keys: Record<string, Credentials> = {};
  before(async () => {
    s = await startTestServer();
    const iam = s.iam();
    for (const name of ['tagger', 'plain']) {
      await iam.send(new I.CreateUserCommand({ UserName: name }));
      await iam.send(new I.PutUserPolicyCommand({ UserName: name, PolicyName: 'p', PolicyDocument: doc({ Effect: 'Allow', Action: ['sts:AssumeRole', 'sts:TagSession'], Resource: '*' }) }));
      const k = (await iam.send(new I.CreateAccessKeyCommand({ UserName: name }))).AccessKey;
      keys[name] = { accessKeyId: k?.AccessKeyId ?? '', secretAccessKey: k?.SecretAccessKey ?? '' };
    }
    // `analyst` lets `tagger` pass session tags; `reader` lets `plain` assume it, without tags.
    await iam.send(new I.CreateRoleCommand({ RoleName: 'analyst', AssumeRolePolicyDocument: doc({ Effect: 'Allow', Principal: { AWS: user('tagger') }, Action: ['sts:AssumeRole', 'sts:TagSession'] }) }));
    await iam.send(new I.CreateRoleCommand({ RoleName: 'reader', AssumeRolePolicyDocument: doc({ Effect: 'Allow', Principal: { AWS: user('plain') }, Action: 'sts:AssumeRole' }) }));
    for (const r of ['analyst', 'reader']) await iam.send(new I.PutRolePolicyCommand({ RoleName: r, PolicyName: 'abac', PolicyDocument: doc(abac) }));
  });
  after(() => s?.stop());

  const report = async (name: string) => {
    const r = await call<{ reports: { canBecome: { principal: string }[]; canGain: { gain: Gain }[] }[] }>(connectionTo(s.url, s.admin), 'POST', ['escalation-paths'], { body: { principal: user(name) } });
    assert.ok(r.ok, r.ok ? '' : `${r.code} ${r.message}`);
    const rep = r.value.reports[0];
    return { become: (rep?.canBecome ?? []).map((b) => b.principal), gains: (rep?.canGain ?? []).map((g) => g.gain) };
  };

  it('a user the trust policy lets pass session tags gains what the role grants by tag', async () => {
    const { become, gains } = await report('tagger');
    assert.deepEqual(become, [role('analyst')]);
    const tagged = gains.filter((g) => g.gives === 'tags');
    assert.deepEqual(tagged.map((g) => [g.by, g.principal, g.action, g.resource]), [[user('tagger'), role('analyst'), 'sts:TagSession', role('analyst')]], JSON.stringify(gains));
    assert.ok(tagged[0]?.reasons.some((r) => r.includes('clearance=high')), JSON.stringify(tagged));
  });

  it('no sts:TagSession in the trust policy: the step, and no gain', async () => {
    const { become, gains } = await report('plain');
    assert.deepEqual(become, [role('reader')]);
    assert.deepEqual(gains.filter((g) => g.gives === 'tags'), []);
  });

  it('the gain is real: a session opened with the tag reads the object, one without does not', async () => {
    const sessionAsks = async (tags: S.Tag[] | undefined) => {
      const c = (await s.sts(keys['tagger']).send(new S.AssumeRoleCommand({ RoleArn: role('analyst'), RoleSessionName: 'probe', ...(tags ? { Tags: tags } : {}) }))).Credentials;
      const as = connectionTo(s.url, { accessKeyId: c?.AccessKeyId ?? '', secretAccessKey: c?.SecretAccessKey ?? '', sessionToken: c?.SessionToken ?? '' });
      const r = await call<{ decision: string }>(as, 'POST', ['authorize'], { body: { action: 's3:GetObject', resource: 'arn:aws:s3:::vault/k' } });
      assert.ok(r.ok, r.ok ? '' : r.message);
      return r.value.decision;
    };
    assert.equal(await sessionAsks(undefined), 'ImplicitDeny');
    assert.equal(await sessionAsks([{ Key: 'clearance', Value: 'high' }]), 'Allow');
  });
});
