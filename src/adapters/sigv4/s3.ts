/**
 * What S3 adds to SigV4: the signature checked without the body (S3 bodies stream, and their hash is checked as
 * they arrive, by the caller), and the chained signatures of `aws-chunked` payloads.
 *
 * Spec: "Signature Calculations for the Authorization Header: Transferring Payload in Multiple Chunks"
 * (https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming.html) and "… including trailing headers"
 * (sigv4-streaming-trailers.html): each chunk is signed over
 *   AWS4-HMAC-SHA256-PAYLOAD \n amzDate \n scope \n previous-signature \n SHA256("") \n SHA256(chunk-data)
 * starting from the request's own (seed) signature; the trailer over
 *   AWS4-HMAC-SHA256-TRAILER \n amzDate \n scope \n previous-signature \n SHA256(trailing-headers)
 * where the trailing headers are `name:value\n` each, as sent.
 */
import { createHmac, timingSafeEqual, type KeyObject } from 'node:crypto';
import { EMPTY_SHA256, sha256Hex, toAmzDate } from './canonical.ts';
import { signingKey } from './signing-key.ts';
import type { SigV4Parsed } from './verify.ts';

const SIGNATURE_HEX = /^[0-9a-f]{64}$/;
const HEADER_SIGNATURE = /Signature=([0-9a-fA-F]{64})\s*$/;

/** The signature the client sent (`Signature=` of the Authorization header, or `X-Amz-Signature`), lower-case hex. */
export function providedSignature(parsed: SigV4Parsed, authorization: string | undefined, rawQuery: string): string | undefined {
  if (parsed.form === 'header') {
    const m = HEADER_SIGNATURE.exec(authorization ?? '');
    return m ? (m[1] as string).toLowerCase() : undefined;
  }
  for (const pair of rawQuery.split('&')) {
    if (pair.startsWith('X-Amz-Signature=')) {
      const v = pair.slice('X-Amz-Signature='.length).toLowerCase();
      return SIGNATURE_HEX.test(v) ? v : undefined;
    }
  }
  return undefined;
}

const keyOf = (parsed: SigV4Parsed, secret: string): KeyObject => signingKey(secret, parsed.scope, parsed.scope.slice(0, 8), parsed.region, parsed.service);

const sign = (key: KeyObject, text: string): Buffer => createHmac('sha256', key).update(text, 'utf8').digest();

const same = (expected: Buffer, hex: string): boolean => SIGNATURE_HEX.test(hex) && timingSafeEqual(expected, Buffer.from(hex, 'hex'));

/**
 * Checks the request signature with `secret` (constant time), leaving the payload to the caller: a declared hex
 * `x-amz-content-sha256` is covered by the signature, and the caller hashes the body as it streams.
 */
export function checkSignatureOnly(parsed: SigV4Parsed, secret: string, signature: string): boolean {
  if (typeof secret !== 'string' || secret.length === 0) return false;
  return same(sign(keyOf(parsed, secret), parsed.stringToSign()), signature);
}

/** Verifies the chained signatures of an `aws-chunked` body, chunk by chunk, then its trailer. */
export interface ChunkSignatures {
  /** True when `signature` signs a chunk whose data hashes to `dataSha256Hex` (the final chunk: the empty hash). */
  chunk(dataSha256Hex: string, signature: string): boolean;
  /** True when `signature` signs the trailing headers, given as sent (`name:value\n` each). */
  trailer(trailingHeaders: string, signature: string): boolean;
}

export function chunkSignatures(parsed: SigV4Parsed, secret: string, seedSignature: string): ChunkSignatures {
  const key = keyOf(parsed, secret);
  const prefix = `\n${toAmzDate(parsed.signedAt)}\n${parsed.scope}\n`;
  let previous = seedSignature;
  const step = (expected: Buffer, signature: string): boolean => {
    if (!same(expected, signature.toLowerCase())) return false;
    previous = signature.toLowerCase();
    return true;
  };
  return {
    chunk: (dataSha256Hex, signature) => step(sign(key, `AWS4-HMAC-SHA256-PAYLOAD${prefix}${previous}\n${EMPTY_SHA256}\n${dataSha256Hex}`), signature),
    trailer: (trailingHeaders, signature) => step(sign(key, `AWS4-HMAC-SHA256-TRAILER${prefix}${previous}\n${sha256Hex(trailingHeaders)}`), signature),
  };
}
