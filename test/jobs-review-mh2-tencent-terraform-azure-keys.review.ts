/**
 * Review mh, finding 2: Tencent Cloud's keys and Terraform's Azure secrets in the caller's environment reached every rank.
 *
 * Before the fix 1 of 1 tests failed.
 *
 * Review lu, 1 cut "the other clouds' identities, which the job's role (an AWS or Alibaba one) never is" (DESIGN.md
 * "Job environment": a job runs as its role only; docs/decisions.md, review mg): Google's and Azure's SDK variables. Two
 * such sources that a submitter working across clouds keeps in the same shell were left:
 * - Tencent Cloud's SDKs take `TENCENTCLOUD_SECRET_ID`, `TENCENTCLOUD_SECRET_KEY` (and `TENCENTCLOUD_SESSION_TOKEN`)
 *   first in their default chain (tencentcloud-sdk-nodejs `EnvironmentVariableCredential`, tencentcloud-sdk-go
 *   `DefaultEnvProvider`; COS, the object store a rank reads its data from there, signs with them);
 * - Terraform's azurerm provider and backend take the service principal's `ARM_CLIENT_SECRET` (or its file
 *   `ARM_CLIENT_SECRET_FILE_PATH`, its certificate `ARM_CLIENT_CERTIFICATE`(`_PATH`, `_PASSWORD`), its OIDC token
 *   `ARM_OIDC_TOKEN`(`_FILE_PATH`)) and the storage account's
 *   `ARM_ACCESS_KEY` / `ARM_SAS_TOKEN`, as `GOOGLE_CREDENTIALS` (Terraform's Google key, cut by review lu, 1) is.
 * A rank's `tccli`, COS SDK or `terraform apply` then acted as the submitter there. Now they are cut; the settings that
 * name no secret (`TENCENTCLOUD_REGION`, `ARM_CLIENT_ID`, `ARM_TENANT_ID`, `ARM_SUBSCRIPTION_ID`) are kept, as Azure's
 * `AZURE_CLIENT_ID` and `AZURE_TENANT_ID` are.
 *
 * The real CLI in process against a real server; the rank writes the environment it was given.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { TestServer } from './support/server.ts';
import { rankEnvironment, startWorkspaceServer } from './support/jobs-world.ts';

let server: TestServer;
let home: string;
let stop: (() => Promise<void>) | undefined;

before(async () => {
  ({ server, home, stop } = await startWorkspaceServer('gh-mh2-'));
});
after(async () => stop?.());

test('mh2: the caller\'s Tencent Cloud keys and Terraform Azure secrets do not reach a rank, their settings do', async () => {
  const secrets = {
    TENCENTCLOUD_SECRET_ID: 'AKIDmh2submitter000000000000000000',
    TENCENTCLOUD_SECRET_KEY: 'mh2-submitter-tencent-secret',
    TENCENTCLOUD_SESSION_TOKEN: 'mh2-submitter-tencent-token',
    ARM_CLIENT_SECRET: 'mh2-submitter-sp-secret',
    ARM_CLIENT_CERTIFICATE_PASSWORD: 'mh2-submitter-cert-password',
    ARM_OIDC_TOKEN: 'mh2-submitter-oidc-token',
    ARM_ACCESS_KEY: 'mh2-submitter-storage-key',
    ARM_SAS_TOKEN: 'sv=2022-11-02&sig=mh2',
    ARM_CLIENT_SECRET_FILE_PATH: '/home/alice/.azure/sp-secret',
    ARM_CLIENT_CERTIFICATE: 'TUgy',
    ARM_CLIENT_CERTIFICATE_PATH: '/home/alice/.azure/sp.pfx',
    ARM_OIDC_TOKEN_FILE_PATH: '/home/alice/.azure/oidc-token',
  };
  const settings = { TENCENTCLOUD_REGION: 'ap-guangzhou', ARM_CLIENT_ID: '00000000-0000-0000-0000-0000000000a1', ARM_TENANT_ID: '00000000-0000-0000-0000-0000000000b2', ARM_SUBSCRIPTION_ID: '00000000-0000-0000-0000-0000000000c3' };
  const env = await rankEnvironment({ server, home }, { ...secrets, ...settings });
  const reached = Object.keys(secrets).filter((k) => env[k] !== undefined);
  assert.deepEqual(reached, [], `a rank was given the submitter's ${reached.join(', ')}`);
  for (const [k, v] of Object.entries(settings)) assert.equal(env[k], v, `${k} names no secret and is kept`);
});
