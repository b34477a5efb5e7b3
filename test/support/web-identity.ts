/**
 * Web identity on a real server, for the reviews of AssumeRoleWithWebIdentity and of what trusts an OIDC provider: a
 * loopback issuer (oidc-issuer.ts), a server (SQLite) with the issuer registered as an OIDC provider for
 * `sts.amazonaws.com`, roles of the root account whose trust policies the test gives, and an STS client that signs
 * nothing, as a workload holding only its token calls.
 */
import * as I from '@aws-sdk/client-iam';
import * as S from '@aws-sdk/client-sts';
import { startOidcIssuer, type OidcIssuer, type OidcIssuerOptions } from './oidc-issuer.ts';
import { REGION, startTestServer, type TestServer } from './server.ts';

/** A role to make: its trust policy's one statement, and when given the one statement of its inline policy `read`. */
export interface WebIdentityRole {
  readonly trust: object;
  readonly read?: object;
}

export interface WebIdentityWorld {
  readonly server: TestServer;
  readonly issuer: OidcIssuer;
  /** The ARN of the issuer's OIDC provider. */
  readonly provider: string;
  /** AssumeRoleWithWebIdentity, unsigned, of the root account's role `role` as session `session` with `token`. */
  exchange(role: string, session: string, token: string): Promise<S.AssumeRoleWithWebIdentityCommandOutput>;
  /** Stops the client, the issuer and the server. */
  close(): Promise<void>;
}

/** Starts the issuer (with `options.issuer`), then the server, then makes the provider and `options.roles(provider)`, in order. */
export async function startWebIdentityWorld(options: { readonly issuer?: OidcIssuerOptions; readonly roles: (provider: string) => Readonly<Record<string, WebIdentityRole>> }): Promise<WebIdentityWorld> {
  const issuer = await startOidcIssuer(options.issuer);
  let server: TestServer | undefined;
  let sts: S.STSClient | undefined;
  const close = async (): Promise<void> => {
    sts?.destroy();
    await issuer.close();
    await server?.stop();
  };
  try {
    server = await startTestServer();
    const iam = server.iam();
    const provider = (await iam.send(new I.CreateOpenIDConnectProviderCommand({ Url: issuer.url, ClientIDList: ['sts.amazonaws.com'] }))).OpenIDConnectProviderArn ?? '';
    const document = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
    for (const [name, role] of Object.entries(options.roles(provider))) {
      await iam.send(new I.CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: document(role.trust) }));
      if (role.read) await iam.send(new I.PutRolePolicyCommand({ RoleName: name, PolicyName: 'read', PolicyDocument: document(role.read) }));
    }
    const client = new S.STSClient({ endpoint: server.url, region: REGION, maxAttempts: 1, credentials: () => Promise.reject(new Error('unsigned')) });
    sts = client;
    const account = server.adminFile.AccountId;
    return {
      server,
      issuer,
      provider,
      exchange: (role, session, token) => client.send(new S.AssumeRoleWithWebIdentityCommand({ RoleArn: `arn:aws:iam::${account}:role/${role}`, RoleSessionName: session, WebIdentityToken: token })),
      close,
    };
  } catch (e) {
    await close();
    throw e;
  }
}
