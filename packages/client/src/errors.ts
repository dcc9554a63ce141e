// What a call through createAuthFetch() can fail with, besides fetch's own errors.

/** The session is over (the token handler answered 401 session_expired): sign in again. */
export class SessionExpiredError extends Error {
  override readonly name = "SessionExpiredError";
  constructor(message = "The session has expired: sign in again") {
    super(message);
  }
}

/** No access token could be had: the token handler (or Cognito behind it) is unavailable. Not a sign-out. */
export class TokenUnavailableError extends Error {
  override readonly name = "TokenUnavailableError";
  constructor(
    message: string,
    /** Seconds the server asked to wait, when it said. */
    readonly retryAfter?: number,
  ) {
    super(message);
  }
}
