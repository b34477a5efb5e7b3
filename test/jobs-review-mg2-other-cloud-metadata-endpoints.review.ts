/**
 * Review mg, finding 2: the caller's pointers to another cloud's metadata or managed-identity endpoint reached every
 * rank. `jobs run` takes the caller's `AWS_EC2_METADATA_SERVICE_ENDPOINT` and `ALIBABA_CLOUD_ECS_METADATA` away ("a
 * metadata endpoint is the job's own, or none: the caller's would hand the job another identity", src/adapters/launcher)
 * and review lu, 1 removed Google's and Azure's credential variables, but the variables that send those clouds' SDKs to
 * a token endpoint were passed on:
 * - google-auth asks the metadata server at `GCE_METADATA_HOST` (older name `GCE_METADATA_ROOT`) and `GCE_METADATA_IP`
 *   for the access token of the machine's service account, as the last step of `google.auth.default()`
 *   (googleapis/google-auth-library-python `google/auth/environment_vars.py`: "an alternate hostname or host:port to be
 *   used for GCE metadata requests"; cloud.google.com/go `compute/metadata` reads `GCE_METADATA_HOST` too). A developer
 *   who runs a local metadata emulator for their own service account (gce_metadata_server, `gcloud beta emulators`), or
 *   a workstation on GCE whose shell points at a proxy of the node's, handed that identity to every rank.
 * - azure-identity's `ManagedIdentityCredential` (in `DefaultAzureCredential`) and MSAL take the managed identity's
 *   token endpoint and its secret header from `IDENTITY_ENDPOINT` + `IDENTITY_HEADER` (App Service, Functions, Container
 *   Apps), `MSI_ENDPOINT` + `MSI_SECRET` (older App Service, Cloud Shell), `IDENTITY_SERVER_THUMBPRINT` (Service
 *   Fabric), `IMDS_ENDPOINT` (Azure Arc) and `AZURE_POD_IDENTITY_AUTHORITY_HOST` (AAD pod identity)
 *   (AzureAD/microsoft-authentication-library-for-dotnet `ManagedIdentity/EnvironmentVariables.cs`). `IDENTITY_HEADER`
 *   and `MSI_SECRET` are secrets: whoever holds them gets that identity's tokens.
 * None of these is the job's role (an AWS or Alibaba one), so none reaches a rank now; settings that name no identity
 * (`GOOGLE_CLOUD_PROJECT`, `AZURE_CLIENT_ID`, `AZURE_TENANT_ID`) still do.
 *
 * The real CLI in process against a real server; the rank writes the environment it was given. Before the fix 1 of 1
 * tests failed (every variable reached the rank).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { TestServer } from './support/server.ts';
import { rankEnvironment, startWorkspaceServer } from './support/jobs-world.ts';

let server: TestServer;
let home: string;
let stop: (() => Promise<void>) | undefined;

before(async () => {
  ({ server, home, stop } = await startWorkspaceServer('gh-mg2-'));
});
after(async () => stop?.());

test('mg2: the caller\'s Google metadata and Azure managed-identity endpoints do not reach a rank', async () => {
  const endpoints = {
    GCE_METADATA_HOST: '127.0.0.1:8989',
    GCE_METADATA_ROOT: '127.0.0.1:8989',
    GCE_METADATA_IP: '127.0.0.1:8989',
    IDENTITY_ENDPOINT: 'http://127.0.0.1:41741/msi/token',
    IDENTITY_HEADER: 'mg2-alice-identity-header-secret',
    MSI_ENDPOINT: 'http://127.0.0.1:41741/msi/token',
    MSI_SECRET: 'mg2-alice-msi-secret',
    IDENTITY_SERVER_THUMBPRINT: '0123456789ABCDEF0123456789ABCDEF01234567',
    IMDS_ENDPOINT: 'http://127.0.0.1:40342',
    AZURE_POD_IDENTITY_AUTHORITY_HOST: 'http://127.0.0.1:2579',
  };
  const settings = { GOOGLE_CLOUD_PROJECT: 'mg2-project', AZURE_CLIENT_ID: '00000000-0000-0000-0000-00000000a11c', AZURE_TENANT_ID: '00000000-0000-0000-0000-0000000000e1' };
  const env = await rankEnvironment({ server, home }, { ...endpoints, ...settings });
  const passed = Object.keys(endpoints).filter((k) => k in env);
  assert.deepEqual(passed, [], `a rank was given the caller's ${passed.join(', ')}`);
  for (const [k, v] of Object.entries(settings)) assert.equal(env[k], v, `${k} names no identity and is kept`);
  assert.equal(env['HARMLESS'], 'kept');
});
