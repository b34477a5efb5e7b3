/**
 * Gatehouse's own `JwksJson` parameter of CreateOpenIDConnectProvider (a provider's keys given inline, for issuers the
 * server cannot fetch) added to the real `@aws-sdk/client-iam`'s requests, which know no such member: a middleware at
 * the build step, before signing, so the parameter is part of the signed body as any Query parameter.
 */
import type { IAMClient } from '@aws-sdk/client-iam';
import { exportJWK, type CryptoKey } from 'jose';

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
