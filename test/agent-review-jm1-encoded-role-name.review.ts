/**
 * Review jm, 1: a role name sent percent-encoded on a job's metadata endpoint. IAM role names may hold `+=,.@_-`, and the
 * AWS SDK for C++ (what PyArrow's S3 filesystem, TensorFlow and ClickHouse read instance metadata with) sends the role
 * it listed through its `URI` class, whose path encoding (aws-sdk-cpp `src/aws-cpp-sdk-core/source/http/URI.cpp`
 * `urlEncodeSegment`, the default, non-RFC-3986 mode) keeps `$&,:=@` and encodes every other reserved character: a role
 * `ml+trainer` is asked as `…/security-credentials/ml%2Btrainer`. The job's metadata endpoints (the server's and the
 * node agent's, imds.ts) compared the path's segment as it came with the role's name, so that SDK got 404 and no
 * credentials for such a role, while the listing had just named it. The segment is now read percent-decoded, as a
 * web server reads a path; one that does not decode (`%ZZ`) or names another role is still 404. The C++ SDK is not
 * installed here: its requests are sent as it sends them (raw HTTP); SDK v3, which sends the `+` as it is, still
 * reads the same credentials.
 *
 * Before the fix 1 of 3 tests failed (the encoded name: 404 on both endpoints, both clouds' paths).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { jobMetadataEndpoints, METADATA_CLOUDS } from './support/metadata-endpoints.ts';
import { freshRequest } from './support/raw-answer.ts';
import { imdsCredentials } from './support/relay-world.ts';

const ROLE = 'ml+trainer';
/** The server's metadata endpoint of the job, and the node agent's. */
let endpoints: readonly { name: string; url: string }[] = [];
let keyId: string;

jobMetadataEndpoints('gh-agent-review-jm1-', (_env, server) => server.agentUrl, (world) => ({ endpoints, keyId } = world), { roleName: ROLE });

test('jm1: the role listed, asked percent-encoded as the AWS SDK for C++ asks it, is served on both endpoints and both clouds\' paths', async () => {
  assert.equal(endpoints.length, 2);
  for (const e of endpoints) {
    for (const [cloud, header] of METADATA_CLOUDS) {
      const token = (await freshRequest(`${e.url}/latest/api/token`, { [`${header}-ttl-seconds`]: '21600' }, 'PUT')).body;
      const resource = `${e.url}/latest/meta-data/${cloud}/security-credentials/`;
      const listing = await freshRequest(resource, { [header]: token });
      assert.deepEqual(listing, { status: 200, body: ROLE }, `${e.name} ${cloud}`);
      const doc = await freshRequest(`${resource}ml%2Btrainer`, { [header]: token });
      // Before the fix: 404 `not found`.
      assert.equal(doc.status, 200, `${e.name} ${cloud}: ${doc.status} ${doc.body}`);
      assert.equal((JSON.parse(doc.body) as { AccessKeyId?: string }).AccessKeyId, keyId, `${e.name} ${cloud}`);
      // Lower-case hex, as some encoders write it.
      assert.equal((await freshRequest(`${resource}ml%2btrainer`, { [header]: token })).status, 200, `${e.name} ${cloud}`);
    }
  }
});

test('jm1: a segment that does not decode, or decodes to another name, is still 404 (and the endpoint keeps serving)', async () => {
  for (const e of endpoints) {
    for (const [cloud, header] of METADATA_CLOUDS) {
      const token = (await freshRequest(`${e.url}/latest/api/token`, { [`${header}-ttl-seconds`]: '60' }, 'PUT')).body;
      const resource = `${e.url}/latest/meta-data/${cloud}/security-credentials/`;
      for (const bad of ['ml%ZZtrainer', 'ml%2Bother', 'ml%20trainer', 'ml%2Btrainer%2F', '%E0%A4%A']) {
        const r = await freshRequest(`${resource}${bad}`, { [header]: token });
        assert.deepEqual(r, { status: 404, body: 'not found' }, `${e.name} ${cloud} ${bad}`);
      }
      assert.equal((await freshRequest(`${resource}${ROLE}`, { [header]: token })).status, 200, `${e.name} ${cloud}`);
    }
  }
});

test('jm1: SDK v3 (which sends the `+` as it is) reads the same session from both endpoints', async () => {
  for (const e of endpoints) {
    assert.equal((await imdsCredentials(e.url)).accessKeyId, keyId, e.name);
  }
});
