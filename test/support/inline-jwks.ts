/**
 * Gatehouse's own `JwksJson` parameter of CreateOpenIDConnectProvider (a provider's keys given inline, for issuers the
 * server cannot fetch) added to the real `@aws-sdk/client-iam`'s requests, which know no such member: a middleware at
 * the build step, before signing, so the parameter is part of the signed body as any Query parameter.
 */
import { CreateOpenIDConnectProviderCommand, DeleteOpenIDConnectProviderCommand, type IAMClient } from '@aws-sdk/client-iam';
import { exportJWK, generateKeyPair, type CryptoKey } from 'jose';

/**
 * `iam` (returned) with `publicKey` published as key `kid` in every CreateOpenIDConnectProvider it sends, or only in
 * those whose body `only` accepts.
 */
export async function withInlineJwks(iam: IAMClient, publicKey: CryptoKey, kid: string, only: (body: string) => boolean = () => true): Promise<IAMClient> {
  const jwks = JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid }] });
  iam.middlewareStack.add(
    (next) => async (args) => {
      const request = args.request as { body?: unknown; headers: Record<string, string> };
      if (typeof request.body === 'string' && request.body.includes('Action=CreateOpenIDConnectProvider') && only(request.body)) {
        request.body += `&JwksJson=${encodeURIComponent(jwks)}`;
        request.headers['content-length'] = String(Buffer.byteLength(request.body));
      }
      return next(args);
    },
    { step: 'build', name: 'inlineJwks' },
  );
  return iam;
}

/**
 * Runs `write` with an OIDC provider registered for each of `urls` (by `iam`, a client that sends no `JwksJson` yet,
 * with a key of its own that nobody keeps), then deletes them. What `write` wrote (a role trusting one of them) is left
 * trusting a provider the account no longer holds: IAM refuses a trust policy naming a provider that is not registered
 * (review uo, 1), but deleting the provider afterwards leaves the role as it is, as AWS does.
 */
export async function trustingDeletedProviders<T>(iam: IAMClient, urls: readonly string[], write: () => Promise<T>): Promise<T> {
  await withInlineJwks(iam, (await generateKeyPair('ES256', { extractable: true })).publicKey, 'discarded');
  const arns: string[] = [];
  for (const Url of urls) arns.push((await iam.send(new CreateOpenIDConnectProviderCommand({ Url, ClientIDList: ['sts.amazonaws.com'] }))).OpenIDConnectProviderArn ?? '');
  const written = await write();
  for (const OpenIDConnectProviderArn of arns) await iam.send(new DeleteOpenIDConnectProviderCommand({ OpenIDConnectProviderArn }));
  return written;
}
