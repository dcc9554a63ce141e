// The instrument and attribute names: a stable contract (dashboards and alert
// rules are written against them), documented in the README's table. OTel
// semantic-convention names where one exists; `cognito_bearer.*` otherwise.
// The Prometheus exporter turns dots into underscores, adds the unit
// (`_seconds`) and `_total` to counters.

export const METRICS = {
  /** Histogram (s): every verification, by outcome, error.type, cached, issuer form. */
  verificationDuration: "cognito_bearer.verification.duration",
  /** Counter: refused verifications, by error.type (the stable reason code) and HTTP status. */
  refusals: "cognito_bearer.verification.refusals",
  /** Counter (observed), with `cacheHits: "counted"` only: verifications answered from the verified-token cache, by issuer form (then not in the duration histogram). */
  cacheHits: "cognito_bearer.verification.cache_hits",
  /** Counter: JWKS fetches, by outcome, HTTP status, trigger, server.address. */
  jwksFetches: "cognito_bearer.jwks.fetches",
  /** Histogram (s): JWKS fetch duration. */
  jwksFetchDuration: "cognito_bearer.jwks.fetch.duration",
  /** Gauge (s): age of each key set (since its last successful fetch). */
  jwksAge: "cognito_bearer.jwks.age",
  /** Gauge: entries of the verified-token cache. */
  tokenCacheEntries: "cognito_bearer.token_cache.entries",
  /** Gauge: revocation list entries, by kind (session, token, user). */
  revocationEntries: "cognito_bearer.revocation_list.entries",
  /** Gauge (s): seconds since the revocation list last heard from Redis. */
  revocationStaleness: "cognito_bearer.revocation_list.staleness",
  /** Gauge: revocations waiting in the outbox for Redis. */
  revocationOutbox: "cognito_bearer.revocation_list.outbox.entries",
  /** Counter: reloads of the revocation list's mirror from Redis. */
  revocationReloads: "cognito_bearer.revocation_list.reloads",
  /** Counter: Redis errors seen by the revocation list, by event type. */
  revocationErrors: "cognito_bearer.revocation_list.errors",
  /** Counter: token handler sign-ins, by outcome (and error.type on failure). */
  signIns: "cognito_bearer.token_handler.sign_ins",
  /** Counter: token handler refreshes, by outcome. */
  refreshes: "cognito_bearer.token_handler.refreshes",
  /** Histogram (s): a refresh, from reading the session to saving it (the token endpoint call included). */
  refreshDuration: "cognito_bearer.token_handler.refresh.duration",
  /** Counter: sign-outs. */
  signOuts: "cognito_bearer.token_handler.sign_outs",
  /** Counter: sessions ended without a sign-out, by reason. */
  sessionsExpired: "cognito_bearer.token_handler.sessions_expired",
  /** Histogram (s): calls to Cognito's token endpoint made through `tracedFetch`, by status and server.address. */
  tokenEndpointDuration: "cognito_bearer.token_endpoint.duration",
  /** Counter (observed): client-credentials requests to the token endpoint (what Cognito bills). */
  clientCredentialsRequests: "cognito_bearer.client_credentials.token_requests",
  /** Counter (observed): client-credentials tokens taken from the shared cache. */
  clientCredentialsCacheHits: "cognito_bearer.client_credentials.shared_cache_hits",
} as const;

export const SPANS = {
  verify: "cognito_bearer.verify",
  jwksFetch: "cognito_bearer.jwks.fetch",
  revocationReload: "cognito_bearer.revocation_list.reload",
  refresh: "cognito_bearer.token_handler.refresh",
  signOut: "cognito_bearer.token_handler.sign_out",
  /** Calls to Cognito's token and revoke endpoints through `tracedFetch` (client-credentials, the token handler). */
  tokenEndpoint: "cognito_bearer.token_endpoint",
} as const;

/** A Redis command's span is named `<command> <operation>`, e.g. `EVAL session.replace` (see `onRedisCommand`). */
export const redisSpanName = (command: string, operation: string): string => `${command} ${operation}`;

export const ATTRIBUTES = {
  // OpenTelemetry semantic conventions.
  errorType: "error.type",
  httpStatus: "http.response.status_code",
  httpMethod: "http.request.method",
  serverAddress: "server.address",
  serverPort: "server.port",
  urlPath: "url.path",
  /** "redis" on Redis command spans. */
  dbSystem: "db.system.name",
  /** The Redis command: EVAL, HMGET, SET, DEL, ZSCAN, CONFIG. */
  dbOperation: "db.operation.name",
  /** The `sub`: only with `recordSub: true`. */
  endUserId: "enduser.id",
  // Ours, stable.
  /** success | failure (a refusal: 400/401/403) | unavailable (503: the key set or revocation list cannot answer). */
  outcome: "cognito_bearer.outcome",
  /** Whether the verified-token cache answered (no signature check). */
  cached: "cognito_bearer.cached",
  /** regional | global | override: which form of Cognito issuer signed the token. */
  issuerForm: "cognito_bearer.issuer_form",
  /** cold | unknown_kid | refresh | warmup: why the JWKS was fetched. */
  jwksTrigger: "cognito_bearer.jwks.trigger",
  /** session | token | user: what a revocation list entry covers. */
  revocationKind: "cognito_bearer.revocation.kind",
  /** Why a session ended, a revocation-list event, or a token-handler failure. */
  reason: "cognito_bearer.reason",
  /** What a Redis command was for: session.get, session.lock, revocation.write, … (a fixed set). */
  redisOperation: "cognito_bearer.redis.operation",
  /** Whether a refresh rotated the refresh token. */
  rotated: "cognito_bearer.rotated",
} as const;

/** The outcome of a verification, from its HTTP status. */
export type Outcome = "success" | "failure" | "unavailable";
