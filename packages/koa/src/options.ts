// cognitoAuth()'s own options, which may also be mixed into the verifier's.
// Core's resolveMiddlewareOptions() splits and validates them, as for every
// middleware adapter; this file says what they mean on Koa.
export interface CognitoAuthOptions {
  /** Let requests without credentials through anonymously (`ctx.state.auth` undefined); bad credentials are still refused. Default false. */
  optional?: boolean | undefined;
  /** Throw AuthErrors for your error handling (or Koa's default handler) instead of answering them. Default false. */
  passErrors?: boolean | undefined;
  /** Let CORS preflights (`OPTIONS` with `Access-Control-Request-Method`) through unauthenticated. Default true. */
  allowPreflight?: boolean | undefined;
}
