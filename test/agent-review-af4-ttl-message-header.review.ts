/**
 * Review af, 4: a token PUT refused for its TTL is told which header to fix. An Alibaba client (its
 * `X-aliyun-ecs-metadata-token-ttl-seconds` out of range) was told to give `x-aws-ec2-metadata-token-ttl-seconds`, a
 * header its SDK never sends; a PUT with neither header is told of both.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import { listenMetadata, type MetadataCredentials } from '../src/adapters/agent/imds.ts';

let server: Server;
let url: string;
const source = async (): Promise<MetadataCredentials> => ({ ok: true, roleName: 'trainer', document: () => Buffer.from('{"Code":"Success"}') });

before(async () => {
  const opened = await listenMetadata(source, '127.0.0.1', 0);
  server = opened.server;
  url = `http://127.0.0.1:${opened.port}/latest/api/token`;
});
after(() => {
  server.closeAllConnections();
  server.close();
});

test('af4: the 400 of a bad TTL names the header the request used, or both when it used none', async () => {
  const ali = await fetch(url, { method: 'PUT', headers: { 'x-aliyun-ecs-metadata-token-ttl-seconds': '0' } });
  assert.equal(ali.status, 400);
  assert.equal(await ali.text(), 'invalid token TTL: give x-aliyun-ecs-metadata-token-ttl-seconds as a whole number of seconds from 1 to 21600');
  const aws = await fetch(url, { method: 'PUT', headers: { 'x-aws-ec2-metadata-token-ttl-seconds': '21601' } });
  assert.equal(aws.status, 400);
  assert.equal(await aws.text(), 'invalid token TTL: give x-aws-ec2-metadata-token-ttl-seconds as a whole number of seconds from 1 to 21600');
  const none = await fetch(url, { method: 'PUT' });
  assert.equal(none.status, 400);
  assert.match(await none.text(), /x-aws-ec2-metadata-token-ttl-seconds \(or x-aliyun-ecs-metadata-token-ttl-seconds\)/);
});
