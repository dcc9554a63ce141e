// cognitoAuth()'s own options, which may also be mixed into the verifier's.
// Core's resolveMiddlewareOptions() splits and validates them, as for every
// middleware adapter; this file says what they mean on Express.
export interface CognitoAuthOptions {
  /** Let requests without credentials through anonymously (`req.auth` undefined); bad credentials are still refused. Default false. */
  optional?: boolean | undefined;
  /** Hand AuthErrors to `next(err)` for your error handler instead of answering them. Default false. */
  passErrors?: boolean | undefined;
  /** Let CORS preflights (`OPTIONS` with `Access-Control-Request-Method`) through unauthenticated. Default true. */
  allowPreflight?: boolean | undefined;
}
