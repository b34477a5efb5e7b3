/**
 * Review nm, 4: an AWS secret key under its environment-variable name, `AWS_SECRET_ACCESS_KEY` (or the credentials
 * file's `aws_secret_access_key`), was written to the audit log in clear.
 *
 * The contract: DESIGN.md "Tokens and secrets" ("Secrets never reach logs or the audit log"), issue 7 ("before/after
 * with secrets removed"), and src/core/audit/redact.ts's own promise to replace "every value under a key that names a
 * secret — secret keys, …". The walk compared a key, without case, `_` and `-`, with a list (`secretaccesskey`,
 * `secretkey`, `privatekey`…) or took it when it ended in `secret`, `token` or `password`: `AWS_SECRET_ACCESS_KEY`
 * reads `awssecretaccesskey`, which is none of them, nor are `MINIO_SECRET_KEY` or `ssh_private_key`. A change refused
 * at the admin API keeps its request body in the record (`detail.request`, review iw, 2): a workspace body pasted with
 * the environment of the shell that sent it, or any document that carried a key so named, put the secret in the
 * chain, where it cannot be removed without breaking it. Now a key that ends in a secret key's or a private key's
 * name is a secret's too; a key id (`AWS_ACCESS_KEY_ID`, `accessKeyId`) and a public key are still kept. Real server
 * on 127.0.0.1, the admin API as the CLI calls it (SigV4).
 *
 * Before the fix 2 of 3 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isSecretKey, REDACTED } from '../src/core/audit/index.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, type TestServer } from './support/server.ts';

const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYNM4EXAMPLEKEY';

describe('review nm4: secrets under environment-style names are removed from audit records', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
  });
  after(async () => {
    await s?.stop();
  });

  it('a refused change whose body carries AWS_SECRET_ACCESS_KEY is recorded without the secret', async () => {
    const body = { members: [], AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE', AWS_SECRET_ACCESS_KEY: SECRET, profile: { aws_secret_access_key: `${SECRET}2` } };
    const r = await gatehouseJson(s.url, s.admin, 'PUT', '/v1/workspaces/vision-nm4', body);
    assert.equal(r.status, 400, JSON.stringify(r.json));
    await s.running.app.audit.flush();
    const q = await gatehouseJson(s.url, s.admin, 'GET', '/v1/audit?action=training:CreateWorkspace&limit=1000');
    assert.equal(q.status, 200, JSON.stringify(q.json));
    const records = (q.json as { records: { decision?: string; detail: { request?: Record<string, unknown> } }[] }).records;
    assert.equal(records.length, 1, JSON.stringify(records));
    assert.ok(!JSON.stringify(q.json).includes(SECRET), 'the secret is nowhere in the records');
    const request = records[0]?.detail.request;
    assert.deepEqual(request, { members: [], AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE', AWS_SECRET_ACCESS_KEY: REDACTED, profile: { aws_secret_access_key: REDACTED } });
  });

  it('names of secret keys and private keys as environments, files and SDKs spell them are secrets', () => {
    const names = ['AWS_SECRET_ACCESS_KEY', 'aws_secret_access_key', 'awsSecretAccessKey', 'MINIO_SECRET_KEY', 'awsSecretKey', 'ssh_private_key', 'TLS_PRIVATE_KEY', 'ALIBABA_CLOUD_ACCESS_KEY_SECRET'];
    assert.deepEqual(names.filter((n) => !isSecretKey(n)), []);
  });

  it('key ids and public keys are kept: they name a key, as CloudTrail records them', () => {
    const names = ['AWS_ACCESS_KEY_ID', 'accessKeyId', 'AccessKeyId', 'ALIBABA_CLOUD_ACCESS_KEY_ID', 'publicKey', 'keyId', 'signingKey', 'accessKeyIds'];
    assert.deepEqual(names.filter((n) => isSecretKey(n)), []);
  });
});
