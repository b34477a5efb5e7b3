/**
 * The bindings engine as an authorizer of the union (src/core/authorizer): `allow` or `no-opinion`, never
 * `deny` (GCP allow policies cannot deny).
 *
 * Errors and diagnostics: a binding whose condition fails to evaluate, or whose role is missing, has already
 * failed closed inside the engine — it was skipped, it could only have allowed. Reporting it as an `error`
 * would make the union deny a request that another engine allows because of an unrelated broken binding, so
 * by default it is reported in `diagnostics` (the union keeps each engine's whole result). With
 * `conditionErrors: 'errors'` they are reported as errors instead, and the union then denies. A request this
 * engine cannot read (an action with no permission in the table) gets no opinion, with the reason.
 */
import type { Authorizer, AuthorizerResult } from '../authorizer/index.ts';
import { permissionForAction } from './actions.ts';
import type { CompiledBindings } from './compile.ts';
import { decide } from './decide.ts';
import type { DecideRequest } from './types.ts';

/** A request naming an IAM-style action instead of a permission (`s3:GetObject`; see `permissionForAction`). */
export type ActionDecideRequest = Omit<DecideRequest, 'permission'> & { readonly action: string };

export interface BindingsAuthzInput {
  /** The compiled effective policy of the resource: one chain, or the resource's compiled policies. */
  readonly bindings: CompiledBindings | readonly CompiledBindings[];
  readonly request: DecideRequest | ActionDecideRequest;
}

export interface BindingsAuthorizerResult extends AuthorizerResult {
  readonly diagnostics: readonly string[];
}

export interface BindingsAuthorizerOptions {
  /** Where failed conditions and missing roles go (default `diagnostics`; see the module comment). */
  readonly conditionErrors?: 'diagnostics' | 'errors';
  /** Try every binding, so that reasons and diagnostics are complete (default true: an authorizer explains). */
  readonly explain?: boolean;
}

/** An `Authorizer` whose results also carry the engine's diagnostics. */
export interface BindingsAuthorizer extends Authorizer<BindingsAuthzInput> {
  authorize(input: BindingsAuthzInput): BindingsAuthorizerResult;
}

export function createBindingsAuthorizer(options: BindingsAuthorizerOptions = {}): BindingsAuthorizer {
  const asErrors = options.conditionErrors === 'errors';
  const explain = options.explain ?? true;
  return {
    name: 'bindings',
    authorize(input: BindingsAuthzInput): BindingsAuthorizerResult {
      const r = input.request;
      let request: DecideRequest;
      if ('permission' in r) request = r;
      else {
        const permission = permissionForAction(r.action);
        if (permission === undefined) {
          return { verdict: 'no-opinion', reasons: [`action \`${r.action}\` has no bindings permission; bindings have no opinion on it`], errors: [], diagnostics: [] };
        }
        request = { principal: r.principal, permission, resource: r.resource, time: r.time };
      }
      const d = decide(input.bindings, request, { explain });
      return { verdict: d.verdict, reasons: d.reasons, errors: asErrors ? d.diagnostics : [], diagnostics: asErrors ? [] : d.diagnostics };
    },
  };
}

/** The authorizer with the default options. */
export const bindingsAuthorizer: BindingsAuthorizer = createBindingsAuthorizer();
