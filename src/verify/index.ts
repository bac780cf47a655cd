// actas/verify: what an upstream imports to trust the identity actas asserts,
// and nothing else (it needs only jose and node builtins).
export { createAssertionVerifier, ASSERTION_ALGORITHMS } from './verifier.ts';
export type { AssertionVerifier, AssertionVerifierOptions, AssertionIdentity, AssertionSource, AssertionAlgorithm } from './verifier.ts';
export { requireAssertion, assertionOf } from './middleware.ts';
export type { RequireAssertionOptions, AssertionGuard } from './middleware.ts';
export { AssertionMissingError, AssertionInvalidError, AssertionKeysUnavailableError } from './errors.ts';
export { ActasError } from '../errors.ts';
