// What getAccessToken() throws, so that a server component or action can tell
// "sign in again" from "try again later". A fault of ours (the session store,
// Cognito, the JWKS) is never reported as the end of a session.

/** There is no session, or it is over (expired, signed out, refused by the API's revocation list): sign in again. */
export class SessionExpiredError extends Error {
  override readonly name = "SessionExpiredError";
  constructor(message = "No session: sign in again") {
    super(message);
  }
}

/** The session store, Cognito or the token verifier failed: the session is kept, retry later. */
export class TokenHandlerUnavailableError extends Error {
  override readonly name = "TokenHandlerUnavailableError";
  constructor(
    /** 503 for a fault that passes (retry after `retryAfterSeconds`), 500 for a misconfiguration. */
    readonly status: 500 | 503,
    /** Seconds to wait before a retry (503 only). */
    readonly retryAfterSeconds: number | undefined,
    message = status === 500 ? "The sign-in service is misconfigured" : "The sign-in service is temporarily unavailable; retry",
  ) {
    super(message);
  }
}
