// What a call through createAuthFetch() can fail with, besides fetch's own errors.

/** The session is over (the token handler answered 401 session_expired): sign in again. */
export class SessionExpiredError extends Error {
  override readonly name = "SessionExpiredError";
  constructor(message = "The session has expired: sign in again") {
    super(message);
  }
}

/**
 * The user signed out, in this tab or another: no token is asked for again
 * (and no sign-in page is opened) until the page is reloaded or a tab signs in
 * again. Not a SessionExpiredError: do not send the user to sign in on it.
 */
export class SignedOutError extends Error {
  override readonly name = "SignedOutError";
  constructor(message = "Signed out (in this tab or another): sign in again to go on") {
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
