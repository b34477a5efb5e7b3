/**
 * Review oz, 3: a job's role document asked with a trailing slash, `…/security-credentials/<role>/`, was 404 on its
 * metadata endpoints (the server's and the node agent's, imds.ts). EC2's instance metadata service answers the document
 * with or without the slash (the real service's 200 to both is shown in uswitch/kiam issue 383, "KIAM doesn't correctly
 * handle trailing slashes on security-credentials requests"), and code written against it asks with the slash: boto 2's
 * connections given `security_credentials`, and many scripts (`requests.get('http://169.254.169.254/latest/meta-data/
 * iam/security-credentials/%s/' % role)`, `curl …/security-credentials/$ROLE/`), pointed at
 * `$AWS_EC2_METADATA_SERVICE_ENDPOINT` instead, got no credentials. credential-protocols §2.2 and §4.2 give the paths the
 * SDKs ask; the listing is answered with or without its slash since review af, 2. Now the role's segment may end in one
 * slash too, on both clouds' paths; anything after it, another role's name, or a segment that does not decode, is still
 * 404, and the listing and the tokens work as before.
 *
 * Before the fix 1 of 2 tests failed (the document with a trailing slash: 404 on both endpoints, both clouds' paths).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { jobMetadataEndpoints, METADATA_CLOUDS } from './support/metadata-endpoints.ts';
import { freshRequest } from './support/raw-answer.ts';

const ROLE = 'trainer';
/** The server's metadata endpoint of the job, and the node agent's. */
let endpoints: readonly { name: string; url: string }[] = [];
let keyId: string;

jobMetadataEndpoints('gh-agent-review-oz3-', (_env, server) => server.agentUrl, (world) => ({ endpoints, keyId } = world), { roleName: ROLE });

test("oz3: the role's document asked with a trailing slash is served, as EC2 serves it, on both endpoints and both clouds' paths", async () => {
  assert.equal(endpoints.length, 2);
  for (const e of endpoints) {
    for (const [cloud, header] of METADATA_CLOUDS) {
      const token = (await freshRequest(`${e.url}/latest/api/token`, { [`${header}-ttl-seconds`]: '21600' }, 'PUT')).body;
      const resource = `${e.url}/latest/meta-data/${cloud}/security-credentials/`;
      const doc = await freshRequest(`${resource}${ROLE}/`, { [header]: token });
      // Before the fix: 404 `not found`.
      assert.equal(doc.status, 200, `${e.name} ${cloud}: ${doc.status} ${doc.body}`);
      assert.equal((JSON.parse(doc.body) as { AccessKeyId?: string }).AccessKeyId, keyId, `${e.name} ${cloud}`);
    }
    // Without a token on AWS's path, still 401 (IMDSv2 only there).
    assert.equal((await freshRequest(`${e.url}/latest/meta-data/iam/security-credentials/${ROLE}/`, {})).status, 401, e.name);
  }
});

test('oz3: what follows the slash, another name, and the listing are answered as before', async () => {
  for (const e of endpoints) {
    for (const [cloud, header] of METADATA_CLOUDS) {
      const token = (await freshRequest(`${e.url}/latest/api/token`, { [`${header}-ttl-seconds`]: '60' }, 'PUT')).body;
      const resource = `${e.url}/latest/meta-data/${cloud}/security-credentials`;
      for (const bad of [`/${ROLE}/x`, `/${ROLE}/x/`, '/other/', `/${ROLE}%ZZ/`]) {
        assert.deepEqual(await freshRequest(`${resource}${bad}`, { [header]: token }), { status: 404, body: 'not found' }, `${e.name} ${cloud} ${bad}`);
      }
      for (const listing of ['', '/']) assert.deepEqual(await freshRequest(`${resource}${listing}`, { [header]: token }), { status: 200, body: ROLE }, `${e.name} ${cloud} listing ${listing}`);
      assert.equal((await freshRequest(`${resource}/${ROLE}`, { [header]: token })).status, 200, `${e.name} ${cloud}`);
    }
  }
});
