/**
 * Review af, 2: the role listing without its trailing slash. The AWS SDK for C++ (aws-sdk-cpp
 * `EC2MetadataClient::GetDefaultCredentialsSecurely`; what PyArrow's S3 filesystem, TensorFlow and ClickHouse read
 * instance metadata with) asks `GET /latest/meta-data/iam/security-credentials` with the token, takes the first line
 * of the trimmed answer as the role, then `GET /latest/meta-data/iam/security-credentials/<role>`. EC2 answers the
 * listing with or without the slash; a job's metadata endpoint (the server's and the node agent's) answered 404
 * without it, so that SDK found no role and no credentials. The C++ SDK is not installed here: its requests are sent
 * as it sends them (raw HTTP), for both clouds' paths.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { jobMetadataEndpoints } from './support/metadata-endpoints.ts';
import { freshRequest } from './support/raw-answer.ts';

/** The server's metadata endpoint of the job, and the node agent's. */
let endpoints: readonly { name: string; url: string }[] = [];
let keyId: string;

jobMetadataEndpoints('gh-agent-review-af2-', (_env, server) => server.agentUrl, (world) => {
  ({ endpoints, keyId } = world);
});

test('af2: the AWS SDK for C++ flow (listing without the trailing slash) reads the job\'s credentials, on both clouds\' paths', async () => {
  for (const e of endpoints) {
    for (const [cloud, prefix, idField] of [['iam', 'x-aws-ec2-metadata-token', 'AccessKeyId'], ['ram', 'x-aliyun-ecs-metadata-token', 'AccessKeyId']] as const) {
      const token = await freshRequest(`${e.url}/latest/api/token`, { [`${prefix}-ttl-seconds`]: '21600' }, 'PUT');
      assert.equal(token.status, 200, `${e.name}: ${token.body}`);
      const resource = `/latest/meta-data/${cloud}/security-credentials`;
      const listing = await freshRequest(`${e.url}${resource}`, { [prefix]: token.body.trim() });
      assert.equal(listing.status, 200, `${e.name} ${resource}: ${listing.status} ${listing.body}`);
      const role = listing.body.trim().split('\n')[0] ?? '';
      assert.equal(role, 'GatehouseTrainingDefaultRole', e.name);
      const doc = await freshRequest(`${e.url}${resource}/${role}`, { [prefix]: token.body.trim() });
      assert.equal(doc.status, 200, `${e.name}: ${doc.body}`);
      assert.equal((JSON.parse(doc.body) as Record<string, string>)[idField], keyId, e.name);
      // Still no token, no listing on AWS's paths, nor on Alibaba's in this aws account's job (review tc, 1: they answer
      // without one, as Alibaba's normal mode does, in an acs account's job only, review gu, 1).
      assert.equal((await freshRequest(`${e.url}${resource}`, {})).status, 401, e.name);
    }
  }
});
