/**
 * The server's idle limit of a console sign-in (GATEHOUSE_CONSOLE_IDLE_SECONDS, review me, 1), for its reviews: a
 * server started with a short limit, a console sign-in, and requests signed as the console signs them
 * (web/console.js `signRequest`).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { startTestServer, type Credentials, type TestServer } from './server.ts';

type SignRequest = (r: { method: string; host: string; path: string; body?: string; credentials: Credentials }) => Promise<{ url: string; headers: Record<string, string> }>;
const CONSOLE_JS = pathToFileURL(join(import.meta.dirname, '..', '..', 'web', 'console.js')).href;

/** The idle limit the server is started with, in ms (GATEHOUSE_CONSOLE_IDLE_SECONDS=1.5). */
export const IDLE_MS = 1_500;

/** A server whose console sign-ins are refused after `IDLE_MS` without a request. */
export function startIdleLimitedServer(): Promise<TestServer> {
  return startTestServer({ env: { GATEHOUSE_CONSOLE_IDLE_SECONDS: String(IDLE_MS / 1000) } });
}

/** A request to `server` signed with `credentials` as the console signs it, and its answer. */
export async function consoleCall(server: TestServer, credentials: Credentials, method: string, path: string): Promise<{ status: number; json: Record<string, unknown> }> {
  const { signRequest } = (await import(CONSOLE_JS)) as { signRequest: SignRequest };
  const signed = await signRequest({ method, host: new URL(server.url).host, path, credentials });
  const res = await fetch(`${server.url}${signed.url}`, { method, headers: signed.headers });
  const text = await res.text();
  return { status: res.status, json: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>) };
}

/** The error code of an answer of `consoleCall`. */
export const errorCode = (r: { json: Record<string, unknown> }): string | undefined => (r.json['error'] as { code?: string } | undefined)?.code;

/** A console sign-in (`POST /v1/console/sign-in`) opened with `c`: its credentials. */
export async function consoleSignIn(server: TestServer, c: Credentials): Promise<Credentials> {
  const r = await consoleCall(server, c, 'POST', '/v1/console/sign-in');
  assert.equal(r.status, 200, JSON.stringify(r.json));
  const got = r.json['credentials'] as { accessKeyId: string; secretAccessKey: string; sessionToken: string };
  return { accessKeyId: got.accessKeyId, secretAccessKey: got.secretAccessKey, sessionToken: got.sessionToken };
}

/** Waits until `ms` have passed since `since` (Date.now() ms), in steps of at most `stepMs`. */
export async function untilPassed(since: number, ms: number, stepMs: number): Promise<void> {
  while (Date.now() - since < ms) await new Promise((r) => setTimeout(r, Math.min(stepMs, since + ms - Date.now() + 5)));
}
