/**
 * Review mg, finding 4: the caller's Vault token reached every rank. Vault's AWS auth method logs a workload in as its
 * IAM role from a signed `sts:GetCallerIdentity` request, which Gatehouse answers for a job's session (the Vault
 * AWS-auth pattern of test/support/resource-server.ts, docs/decisions.md on proof audiences): a rank that runs `vault
 * login -method=aws` is its role in Vault. But the Vault CLI, and client libraries such as hvac, use `VAULT_TOKEN`
 * before anything else ("must use vault login or set the VAULT_TOKEN environment variable to use the CLI",
 * developer.hashicorp.com/vault/docs/commands, "Authenticating to Vault"), so a submitter whose shell held their own
 * token (the usual `export VAULT_TOKEN=$(vault print token)`) gave every rank their Vault identity and every secret it
 * may read (DESIGN.md "Job environment": a job runs as its role only). `VAULT_TOKEN` is removed now; `VAULT_ADDR`,
 * `VAULT_NAMESPACE` and the other settings that name no identity are kept. The token cached in `~/.vault-token` (the
 * CLI's default token helper) is not cut: docs/decisions.md says why.
 *
 * The real CLI in process against a real server; the rank writes the environment it was given. Before the fix 1 of 1
 * tests failed (the token reached the rank).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { TestServer } from './support/server.ts';
import { rankEnvironment, startWorkspaceServer } from './support/jobs-world.ts';

let server: TestServer;
let home: string;
let stop: (() => Promise<void>) | undefined;

before(async () => {
  ({ server, home, stop } = await startWorkspaceServer('gh-mg4-'));
});
after(async () => stop?.());

test('mg4: the caller\'s VAULT_TOKEN does not reach a rank, its Vault address and namespace do', async () => {
  const settings = { VAULT_ADDR: 'https://vault.example.internal:8200', VAULT_NAMESPACE: 'ml' };
  const env = await rankEnvironment({ server, home }, { VAULT_TOKEN: 'hvs.mg4AliceVaultToken000000', ...settings });
  assert.equal(env['VAULT_TOKEN'], undefined, 'a rank was given the submitter\'s Vault token');
  for (const [k, v] of Object.entries(settings)) assert.equal(env[k], v, `${k} names no identity and is kept`);
});
