// The HTTP contract (CONTRACT.md, "HTTP behaviour") as one table, run against
// every adapter by contract.test.ts. Each case says what the request carries
// and what the answer must be; the test also checks that all adapters give the
// same bytes.

/** Tokens minted once per run, so every adapter sees exactly the same request. */
export interface Tokens {
  valid: string;
  /** Has `orders/read` and is in the `admin` group. */
  privileged: string;
  expired: string;
  wrongClient: string;
  idToken: string;
  otherIssuer: string;
  unknownKid: string;
  /** From the configured pool whose JWKS endpoint is down (never cached). */
  outage: string;
  /** A client-credentials (M2M) token: sub = client_id, no username, origin_jti, event_id or groups. */
  machine: string;
  /** A user's token after step-up: acr "urn:example:mfa", signed in just now. */
  steppedUp: string;
  /** acr "urn:example:mfa", but signed in an hour ago (past the route's maxAge). */
  staleStepUp: string;
  /** From the pool configured with `audience`: `aud` names it. */
  audienceMatch: string;
  /** From that pool, `aud` names another resource. */
  audienceOther: string;
  /** From that pool, no `aud` at all (Cognito's usual access token). */
  audienceAbsent: string;
}

export interface ExpectedAnswer {
  status: number;
  /** Exact `WWW-Authenticate`; `null` when the header must be absent. */
  wwwAuthenticate: string | null;
  /** Exact `Retry-After`; `null` when the header must be absent. */
  retryAfter: string | null;
  /** Exact JSON body (parsed); `undefined` for an empty body. */
  body: unknown;
}

export interface ContractCase {
  name: string;
  /** Which app answers: the default one, or the one configured with `resourceMetadata` (RFC 9728). */
  app?: "resourceMetadata";
  method: "GET" | "OPTIONS";
  path: string;
  headers(tokens: Tokens): Record<string, string>;
  expected(tokens: Tokens): ExpectedAnswer;
}

const REALM = `Bearer realm="api"`;

const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

function refused(status: number, error: string, description: string, challenge: string | null, retryAfter: string | null = null): ExpectedAnswer {
  return { status, wwwAuthenticate: challenge, retryAfter, body: { error, error_description: description } };
}

const unauthorized = refused(401, "unauthorized", "A Bearer access token is required", REALM);
const invalidRequest = (description: string) =>
  refused(400, "invalid_request", description, `${REALM}, error="invalid_request", error_description="${description}"`);
const invalidToken = (description: string) =>
  refused(401, "invalid_token", description, `${REALM}, error="invalid_token", error_description="${description}"`);
const forbidden = (description: string) =>
  refused(403, "insufficient_scope", description, `${REALM}, error="insufficient_scope", error_description="${description}"`);
const AUDIENCE = "The access token is not issued for this resource (audience)";
const STEP_UP = "A stronger or more recent authentication is required";
/** RFC 9470: the route's requirement travels in the challenge, for the client to pass on to /oauth2/authorize. */
const stepUp = refused(
  401,
  "insufficient_user_authentication",
  STEP_UP,
  `${REALM}, error="insufficient_user_authentication", error_description="${STEP_UP}", acr_values="urn:example:mfa", max_age="300"`,
);
const ok = (body: unknown): ExpectedAnswer => ({ status: 200, wwwAuthenticate: null, retryAfter: null, body });

type Case = Omit<ContractCase, "method" | "path">;

/** Cases of one route, in the order given. */
const on = (method: ContractCase["method"], path: string, cases: Case[]): ContractCase[] => cases.map((c) => ({ ...c, method, path }));

/** The fields of the valid token, as GET /me answers them (no username for a machine client). */
export interface MeBody {
  sub: string;
  username?: string;
  clientId: string;
  scopes: string[];
  groups: string[];
}

/** The `resourceMetadata` option of the second app of every adapter: a resource with a path (RFC 9728 §3.1 inserts it after the well-known path). */
export const RESOURCE_METADATA = { resource: "https://api.example.com/orders-api", scopesSupported: ["orders/read", "openid"] };
const METADATA_URL = "https://api.example.com/.well-known/oauth-protected-resource/orders-api";
const withMetadata = (answer: ExpectedAnswer): ExpectedAnswer => ({ ...answer, wwwAuthenticate: `${answer.wwwAuthenticate}, resource_metadata="${METADATA_URL}"` });
const issuerOf = (token: string): string => JSON.parse(Buffer.from(token.split(".")[1], "base64url").toString("utf8")).iss;

/** RFC 9728: the document, and `resource_metadata` in every challenge of the app configured with it. */
export function resourceMetadataCases(me: (token: string) => MeBody): ContractCase[] {
  const document = (t: Tokens) => ({
    resource: "https://api.example.com/orders-api",
    authorization_servers: [issuerOf(t.valid), issuerOf(t.outage)],
    scopes_supported: ["orders/read", "openid"],
    bearer_methods_supported: ["header"],
  });
  const metadata = (cases: Case[]): Case[] => cases.map((c) => ({ ...c, app: "resourceMetadata" as const }));
  return [
    ...on("GET", "/.well-known/oauth-protected-resource/orders-api", metadata([
      {
        name: "RFC 9728: the protected resource metadata document, unauthenticated",
        headers: () => ({}),
        expected: (t) => ok(document(t)),
      },
      { name: "RFC 9728: the document, even with a bad token", headers: (t) => bearer(t.expired), expected: (t) => ok(document(t)) },
    ])),
    ...on("GET", "/me", metadata([
      { name: "RFC 9728: no token, the challenge points to the metadata", headers: () => ({}), expected: () => withMetadata(unauthorized) },
      { name: "RFC 9728: an expired token", headers: (t) => bearer(t.expired), expected: () => withMetadata(invalidToken("The access token has expired")) },
      { name: "RFC 9728: malformed credentials", headers: () => ({ Authorization: "Bearer a b" }), expected: () => withMetadata(invalidRequest("The Bearer credentials must be a single token")) },
      { name: "RFC 9728: a valid token", headers: (t) => bearer(t.valid), expected: (t) => ok(me(t.valid)) },
      {
        name: "RFC 9728: JWKS down, 503 has no challenge",
        headers: (t) => bearer(t.outage),
        expected: () => refused(503, "temporarily_unavailable", "The token signing keys are temporarily unavailable", null, "5"),
      },
    ])),
    ...on("GET", "/orders", metadata([
      {
        name: "RFC 9728: a missing scope (403) points to the metadata",
        headers: (t) => bearer(t.valid),
        expected: () =>
          withMetadata(
            refused(
              403,
              "insufficient_scope",
              "The access token needs the scope(s): orders/read",
              `${REALM}, error="insufficient_scope", error_description="The access token needs the scope(s): orders/read", scope="orders/read"`,
            ),
          ),
      },
    ])),
    ...on("GET", "/step-up", metadata([{ name: "RFC 9728: step-up challenge points to the metadata", headers: (t) => bearer(t.valid), expected: () => withMetadata(stepUp) }])),
  ];
}

export function contractCases(me: (token: string) => MeBody): ContractCase[] {
  // In this order: the first valid-token case is the verifier's first sight of it, the next a cache hit.
  return [
    ...on("GET", "/me", [
      { name: "no Authorization header", headers: () => ({}), expected: () => unauthorized },
      { name: "Basic scheme", headers: () => ({ Authorization: "Basic dXNlcjpwYXNz" }), expected: () => unauthorized },
      { name: "lowercase bearer scheme with a valid token", headers: (t) => ({ Authorization: `bearer ${t.valid}` }), expected: (t) => ok(me(t.valid)) },
      {
        name: "upper-case BEARER scheme with a valid token (verified-token cache hit)",
        headers: (t) => ({ Authorization: `BEARER ${t.valid}` }),
        expected: (t) => ok(me(t.valid)),
      },
      { name: "empty token", headers: () => ({ Authorization: "Bearer " }), expected: () => invalidRequest("The Bearer token is empty") },
      {
        name: "two tokens",
        headers: (t) => ({ Authorization: `Bearer ${t.valid} ${t.valid}` }),
        expected: () => invalidRequest("The Bearer credentials must be a single token"),
      },
      {
        name: "bad characters in the token",
        headers: () => ({ Authorization: "Bearer abc$def,ghi" }),
        expected: () => invalidRequest("The Bearer token contains characters that are not allowed"),
      },
      { name: "garbage token", headers: () => bearer("not.a.jwt"), expected: () => invalidToken("The access token is malformed") },
      { name: "expired token", headers: (t) => bearer(t.expired), expected: () => invalidToken("The access token has expired") },
      { name: "token of another app client", headers: (t) => bearer(t.wrongClient), expected: () => invalidToken("The access token client is not accepted") },
      { name: "ID token", headers: (t) => bearer(t.idToken), expected: () => invalidToken("The token is not an access token") },
      {
        name: "token of an issuer that is not configured",
        headers: (t) => bearer(t.otherIssuer),
        expected: () => invalidToken("The access token issuer is not accepted"),
      },
      {
        name: "token signed with an unknown kid",
        headers: (t) => bearer(t.unknownKid),
        expected: () => invalidToken("The access token is signed by an unknown key"),
      },
      { name: "valid token", headers: (t) => bearer(t.valid), expected: (t) => ok(me(t.valid)) },
    ]),
    ...on("GET", "/orders", [
      { name: "valid token with the required scope", headers: (t) => bearer(t.privileged), expected: () => ok({ orders: [] }) },
      {
        name: "valid token lacking the required scope",
        headers: (t) => bearer(t.valid),
        expected: () =>
          refused(
            403,
            "insufficient_scope",
            "The access token needs the scope(s): orders/read",
            `${REALM}, error="insufficient_scope", error_description="The access token needs the scope(s): orders/read", scope="orders/read"`,
          ),
      },
    ]),
    ...on("GET", "/admin", [
      { name: "valid token of a user in the required group", headers: (t) => bearer(t.privileged), expected: () => ok({ admin: true }) },
      {
        name: "valid token of a user not in the required group",
        headers: (t) => bearer(t.valid),
        expected: () =>
          refused(
            403,
            "insufficient_scope",
            "The user is not in a required group",
            `${REALM}, error="insufficient_scope", error_description="The user is not in a required group"`,
          ),
      },
    ]),
    ...on("GET", "/me", [
      { name: "machine-to-machine token", headers: (t) => bearer(t.machine), expected: (t) => ok(me(t.machine)) },
      { name: "audience configured: aud names this resource", headers: (t) => bearer(t.audienceMatch), expected: (t) => ok(me(t.audienceMatch)) },
      { name: "audience configured: aud names another resource", headers: (t) => bearer(t.audienceOther), expected: () => invalidToken(AUDIENCE) },
      { name: "audience configured: no aud", headers: (t) => bearer(t.audienceAbsent), expected: () => invalidToken(AUDIENCE) },
    ]),
    ...on("GET", "/user-only", [
      { name: "requireUser: a user's token", headers: (t) => bearer(t.valid), expected: () => ok({ user: true }) },
      {
        name: "requireUser: a machine client's token",
        headers: (t) => bearer(t.machine),
        expected: () => forbidden("The request needs a user's access token, not a machine client's"),
      },
    ]),
    ...on("GET", "/machine", [
      { name: "requireClient: a machine client's token", headers: (t) => bearer(t.machine), expected: () => ok({ client: true }) },
      {
        name: "requireClient: a user's token",
        headers: (t) => bearer(t.valid),
        expected: () => forbidden("The request needs the access token of an allowed machine client"),
      },
      { name: "requireClient: no token", headers: () => ({}), expected: () => unauthorized },
    ]),
    ...on("GET", "/step-up", [
      { name: "requireAuthLevel: stepped up, recent sign-in", headers: (t) => bearer(t.steppedUp), expected: () => ok({ stepUp: true }) },
      { name: "requireAuthLevel: no acr", headers: (t) => bearer(t.valid), expected: () => stepUp },
      { name: "requireAuthLevel: the acr, but the sign-in is too old", headers: (t) => bearer(t.staleStepUp), expected: () => stepUp },
      {
        name: "requireAuthLevel: a machine client's token",
        headers: (t) => bearer(t.machine),
        expected: () => forbidden("The request needs a user's access token, not a machine client's"),
      },
      { name: "requireAuthLevel: no token", headers: () => ({}), expected: () => unauthorized },
    ]),
    ...on("GET", "/public", [
      { name: "optional route, anonymous", headers: () => ({}), expected: () => ok({ authenticated: false }) },
      { name: "optional route, Basic scheme (anonymous)", headers: () => ({ Authorization: "Basic dXNlcjpwYXNz" }), expected: () => ok({ authenticated: false }) },
      { name: "optional route, valid token", headers: (t) => bearer(t.valid), expected: (t) => ok({ authenticated: true, sub: me(t.valid).sub }) },
      { name: "optional route, bad token", headers: (t) => bearer(t.expired), expected: () => invalidToken("The access token has expired") },
      {
        name: "optional route, malformed credentials",
        headers: () => ({ Authorization: "Bearer a b" }),
        expected: () => invalidRequest("The Bearer credentials must be a single token"),
      },
    ]),
    ...on("GET", "/me", [
      {
        name: "JWKS down on a cold cache",
        headers: (t) => bearer(t.outage),
        expected: () => refused(503, "temporarily_unavailable", "The token signing keys are temporarily unavailable", null, "5"),
      },
    ]),
    ...on("OPTIONS", "/me", [
      {
        name: "CORS preflight passes unauthenticated",
        headers: () => ({ Origin: "https://app.example", "Access-Control-Request-Method": "GET" }),
        expected: () => ({ status: 204, wwwAuthenticate: null, retryAfter: null, body: undefined }),
      },
      { name: "OPTIONS that is not a preflight is authenticated", headers: () => ({ Origin: "https://app.example" }), expected: () => unauthorized },
    ]),
  ];
}
