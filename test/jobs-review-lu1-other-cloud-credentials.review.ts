/**
 * Review lu, finding 1: `jobs run` passes the caller's environment to the job "minus every credential variable (…) and
 * the like: a job runs as its role only" (DESIGN.md "Job environment", README §4). The other clouds' credential
 * variables reached every rank: Google's Application Default Credentials (`GOOGLE_APPLICATION_CREDENTIALS`, the path
 * of a service account key or of a user's refresh token, which google-auth, gcsfs, the gcloud CLI and every Google
 * client library read first: Google Cloud "How Application Default Credentials works"), the gcloud CLI's own
 * (`CLOUDSDK_AUTH_ACCESS_TOKEN_FILE`, `CLOUDSDK_AUTH_CREDENTIAL_FILE_OVERRIDE`) and Terraform's (`GOOGLE_CREDENTIALS`,
 * `GOOGLE_OAUTH_ACCESS_TOKEN`); and Azure's (`AZURE_CLIENT_SECRET`, `AZURE_CLIENT_CERTIFICATE_PATH` and its password,
 * `AZURE_USERNAME`/`AZURE_PASSWORD`, `AZURE_FEDERATED_TOKEN_FILE`, read by azure-identity's `EnvironmentCredential`
 * and `DefaultAzureCredential` first; the storage keys `AZURE_STORAGE_KEY`, `AZURE_STORAGE_CONNECTION_STRING`,
 * `AZURE_STORAGE_SAS_TOKEN` of the az CLI and adlfs). A data scientist who exported a service account key to read a
 * dataset on GCS handed it to whatever code the job ran, and that code read GCS or Azure storage as the submitter,
 * not as nobody; the job's own role is an AWS or Alibaba one, so nothing of theirs is the job's.
 *
 * The real CLI in process against a real server; the rank writes its environment. Before the fix 1 of 1 tests failed
 * (the fifteen variables reached the rank).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { TestServer } from './support/server.ts';
import { rankEnvironment, startWorkspaceServer } from './support/jobs-world.ts';

let server: TestServer;
let home: string;
let stop: (() => Promise<void>) | undefined;

before(async () => {
  ({ server, home, stop } = await startWorkspaceServer('gh-lu1-'));
});
after(async () => stop?.());

const CALLER_SECRETS = {
  GOOGLE_APPLICATION_CREDENTIALS: '/home/alice/keys/alice-sa-lu1.json',
  GOOGLE_CREDENTIALS: '{"type":"service_account","private_key":"lu1-google-key"}',
  GOOGLE_OAUTH_ACCESS_TOKEN: 'ya29.lu1-alice-access-token',
  CLOUDSDK_AUTH_ACCESS_TOKEN_FILE: '/home/alice/.lu1-gcloud-token',
  CLOUDSDK_AUTH_CREDENTIAL_FILE_OVERRIDE: '/home/alice/keys/lu1-override.json',
  AZURE_CLIENT_SECRET: 'lu1-azure-client-secret',
  AZURE_CLIENT_CERTIFICATE_PATH: '/home/alice/keys/lu1-azure.pem',
  AZURE_CLIENT_CERTIFICATE_PASSWORD: 'lu1-azure-cert-password',
  AZURE_USERNAME: 'alice-lu1@example.com',
  AZURE_PASSWORD: 'lu1-azure-password',
  AZURE_FEDERATED_TOKEN_FILE: '/var/run/secrets/lu1/azure-token',
  AZURE_STORAGE_KEY: 'lu1-azure-storage-key',
  AZURE_STORAGE_ACCOUNT_KEY: 'lu1-azure-storage-account-key',
  AZURE_STORAGE_CONNECTION_STRING: 'DefaultEndpointsProtocol=https;AccountName=alice;AccountKey=lu1-connection-key',
  AZURE_STORAGE_SAS_TOKEN: 'sv=2024-01-01&sig=lu1-sas',
};

test('lu1: no other cloud\'s credential of the caller reaches a rank: Google ADC and gcloud, Azure identity and storage keys', async () => {
  const env = await rankEnvironment({ server, home }, { ...CALLER_SECRETS, GOOGLE_CLOUD_PROJECT: 'kept-project', AZURE_TENANT_ID: 'kept-tenant' });
  assert.equal(env['HARMLESS'], 'kept', 'the rest of the caller\'s environment is passed on');
  // Settings that name no secret stay: a project or a tenant is no identity.
  assert.equal(env['GOOGLE_CLOUD_PROJECT'], 'kept-project');
  assert.equal(env['AZURE_TENANT_ID'], 'kept-tenant');
  const leaked = Object.keys(CALLER_SECRETS).filter((k) => k in env);
  assert.deepEqual(leaked, [], `the caller's credentials reached the rank: ${leaked.join(', ')}`);
  const values = Object.values(env).join('\n');
  for (const secret of Object.values(CALLER_SECRETS)) assert.ok(!values.includes(secret), `a rank's environment holds ${secret}`);
});
