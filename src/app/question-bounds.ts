/**
 * The bounds of a question the engine is asked (the authorize API, the simulations, `policy evaluate`): their own
 * module, so that the offline CLI holds a request to them without loading the server's use cases (review qx, 5).
 * Why each is what it is: src/app/authorize.ts, where they are documented beside their use.
 */
export const MAX_CONTEXT_VALUES = 1024;
export const MAX_CONTEXT_VALUE_CHARS = 4096;
export const MAX_ACTION_CHARS = 128;
export const MAX_CONTEXT_KEY_CHARS = 256;
export const MAX_PRINCIPAL_CHARS = 2048;
