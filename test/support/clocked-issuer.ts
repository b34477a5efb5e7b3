/**
 * The reviews of how often a made-up web identity token has the server read an issuer's keys (ow 1, ow 3, vc 2): an OIDC
 * issuer on loopback counting its JWKS reads, a test server whose role `ci` trusts it (IAM through SDK v3), and a second
 * instance on that server's store with a clock the test moves on (instances.ts), serving STS on an HTTP edge of its
 * own, which an unsigned SDK v3 STS client asks.
 */
import * as I from '@aws-sdk/client-iam';
import * as S from '@aws-sdk/client-sts';
import { generateKeyPair, type CryptoKey } from 'jose';
import { createHttpEdge } from '../../src/adapters/http/server.ts';
import { instanceBeside } from './instances.ts';
import { startOidcIssuer, type OidcIssuer, type OidcIssuerOptions } from './oidc-issuer.ts';
import { createdAccount, REGION, startTestServer } from './server.ts';
import { suiteWorld } from './suite-world.ts';

export interface ClockedIssuer {
  readonly issuer: OidcIssuer;
  /** A key of no issuer's, for made-up tokens. */
  readonly forger: CryptoKey;
  /** The accounts whose role `ci` trusts the issuer: the server's own, then those `clockedIssuer` was asked to make. */
  readonly accounts: readonly string[];
  /**
   * What AssumeRoleWithWebIdentity of role `ci` of `account` (the server's own when not given) with `token` is answered by
   * the instance: `issued`, or the error's name.
   */
  exchange(token: string, account?: string): Promise<string>;
  /** Moves the instance's clock `ms` on. */
  advance(ms: number): void;
}

/**
 * The world, for the suite this is called in (the issuer started with `issuerOptions`; `accounts` made beside the
 * server's own, each registering the issuer and trusting it in its role `ci`), read once its `before` has run
 * (suite-world.ts).
 */
export function clockedIssuer(issuerOptions: OidcIssuerOptions = {}, accounts: readonly string[] = []): () => ClockedIssuer {
  return suiteWorld('clockedIssuer', async (cleanUp) => {
    const forger = (await generateKeyPair('ES256')).privateKey;
    const issuer = await startOidcIssuer(issuerOptions);
    cleanUp(() => issuer.close());
    const server = await startTestServer();
    cleanUp(() => server.stop());
    const admins = [server.admin];
    for (const [i, id] of accounts.entries()) admins.push(await createdAccount(server, id, `clocked-${i}`));
    for (const admin of admins) {
      const iam = server.iam(admin);
      const provider = (await iam.send(new I.CreateOpenIDConnectProviderCommand({ Url: issuer.url, ClientIDList: ['sts.amazonaws.com'] }))).OpenIDConnectProviderArn;
      const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Federated: provider }, Action: 'sts:AssumeRoleWithWebIdentity' }] };
      await iam.send(new I.CreateRoleCommand({ RoleName: 'ci', AssumeRolePolicyDocument: JSON.stringify(trust) }));
    }
    let offset = 0;
    const instance = await instanceBeside(server, { now: () => Date.now() + offset, oidc: true, options: { audit: { enabled: false } } });
    cleanUp(async () => {
      await instance.app.audit.stop();
      await instance.store.close();
    });
    const edge = createHttpEdge({ app: instance.app, ready: async () => true, log: () => {} });
    const url = `http://127.0.0.1:${(await edge.listen('127.0.0.1', 0)).port}`;
    cleanUp(() => edge.close(0));
    const sts = new S.STSClient({ endpoint: url, region: REGION, maxAttempts: 1, credentials: () => Promise.reject(new Error('unsigned')) });
    cleanUp(async () => sts.destroy());
    const own = server.adminFile.AccountId;
    return {
      issuer,
      forger,
      accounts: [own, ...accounts],
      async exchange(token, account = own) {
        try {
          await sts.send(new S.AssumeRoleWithWebIdentityCommand({ RoleArn: `arn:aws:iam::${account}:role/ci`, RoleSessionName: 'ci', WebIdentityToken: token }));
          return 'issued';
        } catch (e) {
          return (e as Error).name;
        }
      },
      advance(ms) {
        offset += ms;
      },
    };
  });
}
