/**
 * The resource a question names, as every route that decides reads it (`/v1/authorize`, `/v1/simulate`, who-can) and
 * as `gatehouse policy evaluate` decides it offline: an ARN (`arn:partition:service:…`, `acs:service:…`) or `*`, at
 * most 2,048 characters. Its own module so that the offline CLI does not load the server's use cases.
 */
export const RESOURCE_RE = /^(?:arn:[a-z][a-z0-9-]*:[a-z0-9-]+:|acs:[a-z0-9-]+:)/;

/** Why `resource` cannot be decided, or undefined when it can. */
export function resourceRefusal(resource: unknown): string | undefined {
  if (typeof resource === 'string' && resource.length <= 2048 && (resource === '*' || RESOURCE_RE.test(resource))) return undefined;
  return `\`resource\` must be an ARN (arn:partition:service:… or acs:service:…) or \`*\`, at most 2048 characters${typeof resource === 'string' ? `, got \`${resource.slice(0, 100)}\`` : ''}`;
}
