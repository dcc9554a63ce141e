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
const ok = (body: unknown): ExpectedAnswer => ({ status: 200, wwwAuthenticate: null, retryAfter: null, body });

type Case = Omit<ContractCase, "method" | "path">;

/** Cases of one route, in the order given. */
const on = (method: ContractCase["method"], path: string, cases: Case[]): ContractCase[] => cases.map((c) => ({ ...c, method, path }));

/** The fields of the valid token, as GET /me answers them. */
export interface MeBody {
  sub: string;
  username: string;
  clientId: string;
  scopes: string[];
  groups: string[];
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
