/**
 * The application: the one API that HTTP, CLI and agent call. `createApp` wires the use cases to their
 * ports; edges hold no business rules.
 */
import type { Result } from '../core/errors.ts';
import { bootstrap, createAccount, listAccounts, type AdminCredentials } from './accounts.ts';
import type { AppDeps } from './deps.ts';
import { createDirectory } from './directory.ts';
import { PolicyCache, resolveAccessKey, type Caller } from './principals.ts';
import { LiveState } from './live.ts';
import { createSts } from './sts.ts';
import { createJobs } from './jobs.ts';
import { createRevocation } from './revocation.ts';

export type { AppDeps, SecretSealer } from './deps.ts';
export type { Caller } from './principals.ts';
export type { AdminCredentials } from './accounts.ts';
export { ROOT_ACCOUNT, ADMIN_USER } from './accounts.ts';
export type { Directory } from './directory.ts';
export type { Revocation, Revoked, RevokeTarget, RotatedKey } from './revocation.ts';

export interface AppOptions {
  /** Lifetime of job sessions in seconds (tests shorten it to watch refreshes). */
  readonly jobSessionSeconds?: number;
}

export function createApp(deps: AppDeps, options: AppOptions = {}) {
  const cache = new PolicyCache();
  const directory = createDirectory(deps);
  const live = new LiveState(deps);
  const sts = createSts(deps, live, cache);
  const jobs = createJobs(deps, live, sts, cache, options.jobSessionSeconds !== undefined ? { sessionSeconds: options.jobSessionSeconds } : {});
  return {
    deps,
    directory,
    sts,
    jobs,
    live,
    /** Revoking sessions (role, session, job, user) and rotating the session key ring. */
    revocation: createRevocation(deps, live, directory),
    /** Loads the key ring and revocations; call once before serving. */
    start: (): Promise<void> => live.init(),
    /** Picks up changes made by any instance (cheap when nothing changed). */
    refresh: (): Promise<void> => live.refresh(),
    /**
     * Resolves the signing key of a request to its secret and the caller behind it: a long-term key from the
     * directory, or temporary credentials from their self-contained session token.
     */
    authenticate: (accessKeyId: string, sessionToken?: string): Promise<Result<{ secret: string; caller: Caller }>> =>
      sessionToken !== undefined || accessKeyId.startsWith('ASIA') || accessKeyId.startsWith('STS.')
        ? sts.authenticateSession(accessKeyId, sessionToken ?? '')
        : resolveAccessKey(deps, cache, accessKeyId),
    bootstrap: (): Promise<AdminCredentials | undefined> => bootstrap(deps),
    createAccount: (caller: Caller, input: { id: string; partition: string; name?: string }) => createAccount(deps, caller, input),
    listAccounts: (caller: Caller) => listAccounts(deps, caller),
  };
}

export type App = ReturnType<typeof createApp>;
