/**
 * A fake OpenID Connect issuer on loopback for the web identity tests: `http://127.0.0.1:<port>` answering its
 * discovery document (`/.well-known/openid-configuration`) and its JWKS (`/keys`), holding the private keys of what it
 * publishes, and minting tokens signed with them. A test can withdraw a key or publish another (a rotation), sign with
 * a key the issuer does not publish, leave `kid` out, and give the JWKS a lifetime (`Cache-Control: max-age`).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';

export type OidcAlg = 'ES256' | 'RS256' | 'PS256' | 'EdDSA';

export interface OidcIssuerOptions {
  /** The keys published at start, kid → algorithm, in this order (default `{ k1: 'ES256' }`). */
  readonly keys?: Readonly<Record<string, OidcAlg>>;
  /** The JWKS answer's `Cache-Control: max-age` (seconds), which the server takes as the set's lifetime; none by default. */
  readonly maxAge?: number;
  /**
   * The JWKS answer's `Age` (seconds), as a cache between the issuer and the server says how long it has held it; none by
   * default. A function is asked at each read (a CDN's copy ageing as time passes).
   */
  readonly age?: number | (() => number);
}

/** A token's claims: `iss` is the issuer's URL, `sub` `repo:ml/train` and `aud` `sts.amazonaws.com` unless given. */
export interface OidcClaims {
  readonly iss?: string;
  readonly sub?: string;
  readonly aud?: string | string[];
  readonly [claim: string]: unknown;
}

export interface MintOptions {
  /** What signs: a key the issuer holds, by kid (default the first of `keys`), or a private key it does not publish. */
  readonly signWith?: string | CryptoKey;
  /** The header's `kid`: by default the signing key's (none for a key the issuer does not hold); `null` for none. */
  readonly kid?: string | null;
  /** `iat`, seconds from now (default 0). */
  readonly iatIn?: number;
  /** `exp`, seconds from now (default 600). */
  readonly expIn?: number;
  /** Written as they are, over `iatIn` and `expIn`: a time that is not a whole number of seconds, say. */
  readonly times?: { readonly iat?: number; readonly exp?: number; readonly nbf?: number };
}

export interface OidcIssuer {
  /** `http://127.0.0.1:<port>`, the issuer (`iss`) and the URL to register. */
  readonly url: string;
  /** The URL without its scheme: the provider's name in ARNs and condition keys (`<hostPath>:sub`). */
  readonly hostPath: string;
  /** A signed JWT. */
  mint(claims?: OidcClaims, options?: MintOptions): Promise<string>;
  /** Makes a key and publishes it (a rotation); a token may name it at once. */
  publish(kid: string, alg: OidcAlg): Promise<void>;
  /** Withdraws a key from the JWKS; the issuer still holds it, so a test can sign with it. */
  withdraw(kid: string): void;
  /** How many times its JWKS (`/keys`) has been read. */
  readonly keyReads: () => number;
  /** Stops listening and drops open connections (later reads fail as with an issuer gone). */
  close(): Promise<void>;
}

const ALG_OF: Readonly<Record<string, OidcAlg>> = { ECDSA: 'ES256', 'RSASSA-PKCS1-v1_5': 'RS256', 'RSA-PSS': 'PS256', Ed25519: 'EdDSA' };

export async function startOidcIssuer(options: OidcIssuerOptions = {}): Promise<OidcIssuer> {
  const held = new Map<string, { key: CryptoKey; alg: OidcAlg }>();
  const published: JWK[] = [];
  const publish = async (kid: string, alg: OidcAlg): Promise<void> => {
    const pair = await generateKeyPair(alg, { extractable: true });
    held.set(kid, { key: pair.privateKey, alg });
    published.push({ ...(await exportJWK(pair.publicKey)), kid, alg, use: 'sig' });
  };
  for (const [kid, alg] of Object.entries<OidcAlg>(options.keys ?? { k1: 'ES256' })) await publish(kid, alg);
  const first = [...held.keys()][0] ?? '';

  let url = '';
  let keyReads = 0;
  const http = createServer((req, res) => {
    if (req.url === '/.well-known/openid-configuration') {
      const algs = [...new Set([...held.values()].map((k) => k.alg))];
      const discovery = { issuer: url, jwks_uri: `${url}/keys`, response_types_supported: ['id_token'], subject_types_supported: ['public'], id_token_signing_alg_values_supported: algs };
      return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(discovery));
    }
    if (req.url === '/keys') {
      keyReads++;
      const lifetime = { ...(options.maxAge !== undefined ? { 'cache-control': `public, max-age=${options.maxAge}` } : {}), ...(options.age !== undefined ? { age: String(typeof options.age === 'function' ? options.age() : options.age) } : {}) };
      return void res.writeHead(200, { 'content-type': 'application/json', ...lifetime }).end(JSON.stringify({ keys: published }));
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  let closed: Promise<void> | undefined;

  return {
    url,
    hostPath: url.slice('http://'.length),
    async mint({ iss = url, sub = 'repo:ml/train', aud = 'sts.amazonaws.com', ...extra } = {}, { signWith = first, kid, iatIn = 0, expIn = 600, times } = {}) {
      const signer = typeof signWith === 'string' ? held.get(signWith) : { key: signWith, alg: ALG_OF[signWith.algorithm.name] };
      if (!signer?.alg) throw new Error(`the issuer cannot sign with ${String(signWith)}`);
      const headerKid = kid === undefined ? (typeof signWith === 'string' ? signWith : undefined) : (kid ?? undefined);
      const now = Math.floor(Date.now() / 1000);
      return new SignJWT({ ...extra, ...times })
        .setProtectedHeader({ alg: signer.alg, typ: 'JWT', ...(headerKid !== undefined ? { kid: headerKid } : {}) })
        .setIssuer(iss)
        .setSubject(sub)
        .setAudience(aud)
        .setIssuedAt(times?.iat ?? now + iatIn)
        .setExpirationTime(times?.exp ?? now + expIn)
        .sign(signer.key);
    },
    publish,
    keyReads: () => keyReads,
    withdraw(kid) {
      const i = published.findIndex((k) => k.kid === kid);
      if (i >= 0) published.splice(i, 1);
    },
    close() {
      closed ??= new Promise<void>((r) => {
        http.close(() => r());
        http.closeAllConnections();
      });
      return closed;
    },
  };
}
