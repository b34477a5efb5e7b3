/**
 * Review vl, 3: a Query API parameter given twice (in the body twice, or once in the query and once in the body) was read
 * as its last, without a word: `Action=ListUsers&Version=2010-05-08&Action=CreateUser&UserName=…` created the user, and
 * an AssumeRole with `Policy` given twice, the narrow one first, was issued with the second (a session policy allowing
 * everything). What reads the request before this server (a proxy holding a workload to read-only calls by `Action`, a
 * log of the request, a broker checking the session policy it forwards) reads the first, as URLSearchParams.get and
 * most form parsers do: the readers disagree on which request was made, as the admin API already refuses a JSON key
 * given twice for (review cm, 6). No AWS SDK or CLI sends a parameter twice. Now such a request runs nothing: 400
 * ValidationError naming the parameter, in the shape of the API the request names.
 *
 * Real in-process server; requests signed by the SDK's own SignatureV4 (which signs every parameter, the repeated ones
 * too), the outcome checked through the SDK clients.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SignatureV4 } from '@smithy/signature-v4';
import { Sha256 } from '@aws-crypto/sha256-js';
import * as I from '@aws-sdk/client-iam';
import { startTestServer, type Credentials, type TestServer } from './support/server.ts';

const STS_NS = 'xmlns="https://sts.amazonaws.com/doc/2011-06-15/"';
const IAM_NS = 'xmlns="https://iam.amazonaws.com/doc/2010-05-08/"';
const FORM = 'application/x-www-form-urlencoded; charset=utf-8';
const enc = encodeURIComponent;

describe('review vl3: a Query API parameter given twice runs nothing', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
    const trust = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::000000000000:root' }, Action: 'sts:AssumeRole' }] });
    await s.iam().send(new I.CreateRoleCommand({ RoleName: 'vl3', AssumeRolePolicyDocument: trust }));
  });
  after(async () => s?.stop());

  const signed = async (service: 'sts' | 'iam', body: string, query: Record<string, string> = {}, credentials: Credentials = s.admin) => {
    const u = new URL(s.url);
    const signer = new SignatureV4({ service, region: 'us-east-1', credentials, sha256: Sha256 });
    const req = await signer.sign({ method: 'POST', protocol: 'http:', hostname: u.hostname, port: Number(u.port), path: '/', query, headers: { host: u.host, 'content-type': FORM }, body });
    const qs = new URLSearchParams(query).toString();
    const r = await fetch(`${s.url.replace(/\/$/, '')}/${qs ? `?${qs}` : ''}`, { method: 'POST', headers: req.headers, body });
    return { status: r.status, text: await r.text() };
  };
  const userExists = async (name: string): Promise<boolean> => {
    try {
      await s.iam().send(new I.GetUserCommand({ UserName: name }));
      return true;
    } catch {
      return false;
    }
  };

  it('Action twice in the body: refused naming it, and the second action is not run', async () => {
    const r = await signed('iam', 'Action=ListUsers&Version=2010-05-08&Action=CreateUser&UserName=vl3-body');
    assert.equal(r.status, 400, r.text);
    assert.match(r.text, /<Code>ValidationError<\/Code>/, r.text);
    assert.match(r.text, /`Action`/, r.text);
    assert.ok(r.text.includes(IAM_NS), r.text);
    assert.equal(await userExists('vl3-body'), false);
  });

  it('Action in the query and in the body: refused, nothing run', async () => {
    const r = await signed('iam', 'Action=CreateUser&Version=2010-05-08&UserName=vl3-query', { Action: 'ListUsers' });
    assert.equal(r.status, 400, r.text);
    assert.match(r.text, /`Action`/, r.text);
    assert.equal(await userExists('vl3-query'), false);
  });

  it('AssumeRole with Policy twice: refused in STS XML, no session issued', async () => {
    const narrow = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::vl3/*' }] });
    const broad = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] });
    const r = await signed('sts', `Action=AssumeRole&Version=2011-06-15&RoleArn=${enc('arn:aws:iam::000000000000:role/vl3')}&RoleSessionName=vl3&Policy=${enc(narrow)}&Policy=${enc(broad)}`);
    assert.equal(r.status, 400, r.text);
    assert.match(r.text, /<Code>ValidationError<\/Code>/, r.text);
    assert.match(r.text, /`Policy`/, r.text);
    assert.ok(r.text.includes(STS_NS), r.text);
    assert.doesNotMatch(r.text, /SessionToken/, r.text);
  });

  it('each parameter once still works', async () => {
    const r = await signed('sts', `Action=AssumeRole&Version=2011-06-15&RoleArn=${enc('arn:aws:iam::000000000000:role/vl3')}&RoleSessionName=vl3`);
    assert.equal(r.status, 200, r.text);
  });
});
