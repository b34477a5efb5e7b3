/**
 * The one authorizer contract every engine speaks (after Kubernetes' `authorizer.Authorizer` and its
 * union, `apiserver/pkg/authorization/union`): allow, deny or no-opinion, with reasons and errors.
 * The union asks every engine, lets an explicit deny win, denies by default, and fails closed: an engine
 * that errors can never let a request through.
 */
export type Verdict = 'allow' | 'deny' | 'no-opinion';

export interface AuthorizerResult {
  readonly verdict: Verdict;
  /** What decided, in words (`allowed by RoleBinding kubeflow/x of Role y`). */
  readonly reasons: readonly string[];
  /** Errors met on the way (a policy that failed to evaluate); any error makes the union deny. */
  readonly errors: readonly string[];
}

export interface Authorizer<R> {
  readonly name: string;
  authorize(request: R): AuthorizerResult;
}

export interface UnionResult extends AuthorizerResult {
  /** Each engine's own answer, in the order asked. */
  readonly engines: readonly { readonly name: string; readonly result: AuthorizerResult }[];
}

export function union<R>(name: string, authorizers: readonly Authorizer<R>[]): Authorizer<R> & { authorize(request: R): UnionResult } {
  return {
    name,
    authorize(request: R): UnionResult {
      const engines: { name: string; result: AuthorizerResult }[] = [];
      let denied = false;
      let allowed = false;
      const errors: string[] = [];
      for (const a of authorizers) {
        let result: AuthorizerResult;
        try {
          result = a.authorize(request);
        } catch (e) {
          // A bug in one engine is an error, and errors fail closed.
          result = { verdict: 'no-opinion', reasons: [], errors: [`${a.name}: ${e instanceof Error ? e.message : String(e)}`] };
        }
        engines.push({ name: a.name, result });
        if (result.verdict === 'deny') denied = true;
        else if (result.verdict === 'allow') allowed = true;
        for (const err of result.errors) errors.push(`${a.name}: ${err}`);
      }
      const reasonsOf = (v: Verdict): string[] => engines.filter((e) => e.result.verdict === v).flatMap((e) => e.result.reasons.map((r) => `${e.name}: ${r}`));
      if (denied) return { verdict: 'deny', reasons: reasonsOf('deny'), errors, engines };
      if (errors.length > 0) return { verdict: 'deny', reasons: ['an engine failed to evaluate; failing closed'], errors, engines };
      if (allowed) return { verdict: 'allow', reasons: reasonsOf('allow'), errors, engines };
      return { verdict: 'no-opinion', reasons: ['no engine allows this request; denied by default'], errors, engines };
    },
  };
}
