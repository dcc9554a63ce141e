// @cognito-bearer/client: fetch with the user's access token, for browsers and Node 20+. No dependencies.
export { createAuthFetch } from "./auth-fetch.js";
export type { AuthFetch, AuthFetchOptions, SignOutOptions } from "./auth-fetch.js";
export { stepUpChallengeOf, type StepUpChallenge } from "./step-up.js";
export { SessionExpiredError, SignedOutError, TokenUnavailableError } from "./errors.js";
