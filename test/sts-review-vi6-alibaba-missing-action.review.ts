/**
 * Review vi, 6: a request of Alibaba's STS (`Version=2015-04-01`) without `Action` was refused in AWS IAM's XML
 * (`<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">`, MissingParameter), where every other refusal
 * of that version is Alibaba's own error document (RequestId, HostId, Code, Message), in the `Format` it asks (JSON or
 * XML), as Alibaba's SDKs read it: an Alibaba client saw another cloud's error. Now it is Alibaba's `MissingAction`, 400,
 * in the Format asked. The same request of AWS STS's version is review vi, 4.
 *
 * Real in-process server; requests as Alibaba's parameter form sends them (no client library sends none of Action).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from './support/server.ts';

describe("review vi6: Alibaba STS's Version without Action is answered in Alibaba's error shape", () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
  });
  after(async () => s?.stop());

  const post = async (body: string) => {
    const r = await fetch(s.url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
    return { status: r.status, type: r.headers.get('content-type') ?? '', text: await r.text() };
  };

  it('Format=JSON: a JSON error with Code MissingAction and the RequestId; no Format: XML <Error>', async () => {
    const json = await post('Version=2015-04-01&Format=JSON');
    assert.equal(json.status, 400, json.text);
    const body = JSON.parse(json.text) as { Code?: string; RequestId?: string; Message?: string };
    assert.equal(body.Code, 'MissingAction', json.text);
    assert.match(body.RequestId ?? '', /\S/, json.text);
    const xml = await post('Version=2015-04-01');
    assert.equal(xml.status, 400, xml.text);
    assert.match(xml.text, /<Error>[^]*<Code>MissingAction<\/Code>/, xml.text);
    assert.doesNotMatch(xml.text, /iam\.amazonaws\.com/, xml.text);
  });
});
