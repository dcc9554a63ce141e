// The auth object handed to applications, built once per verified token.
// It is frozen because the verified-token cache hands the same object to every
// request that presents the same token: no request may alter what another sees.
import { rememberRealm } from "./realm.js";

/** The claims of a Cognito access token (user and client-credentials tokens). */
export interface CognitoAccessTokenClaims {
  sub: string;
  iss: string;
  client_id: string;
  token_use: "access";
  exp: number;
  iat?: number;
  auth_time?: number;
  nbf?: number;
  /** Space-separated scopes. */
  scope?: string;
  /** Absent on client-credentials (machine-to-machine) tokens. */
  username?: string;
  "cognito:groups"?: string[];
  jti?: string;
  origin_jti?: string;
  event_id?: string;
  version?: number;
  /** The resource(s) the token was issued for (RFC 8707), on managed-login tokens of the Essentials and Plus tiers. */
  aud?: string | string[];
  /** Authentication context class reference (RFC 9470 step-up). */
  acr?: string;
  /** Authentication methods used (RFC 8176), e.g. `["pwd", "otp"]`. */
  amr?: string[];
  [claim: string]: unknown;
}

/** Who called: a user (a sign-in) or a machine client (the client-credentials grant). */
export type CallerKind = "user" | "client";

/**
 * A client-credentials token has no user: no `username`, and `sub` is the
 * app client's id. Every token of a signed-in user carries `username`.
 * Undefined for a token of neither shape (refused by the claim checks).
 */
export function callerKindOf(claims: Readonly<Pick<CognitoAccessTokenClaims, "sub" | "client_id" | "username">>): CallerKind | undefined {
  if (typeof claims.username === "string") return "user";
  return claims.sub === claims.client_id ? "client" : undefined;
}

/** What every verified request carries, user or machine client. */
interface CognitoAuthBase {
  /**
   * The raw access token, for calling other services on the user's behalf.
   * Never log it. It is a non-enumerable property: `JSON.stringify(auth)`,
   * `res.json(req.auth)`, `util.inspect` (console.log, loggers) and
   * `Object.keys`/spread leave it out, so an auth object logged or sent whole
   * does not leak the bearer token; read `auth.token` by name when you need it.
   */
  readonly token: string;
  readonly claims: Readonly<CognitoAccessTokenClaims>;
  readonly sub: string;
  readonly clientId: string;
  readonly scopes: string[];
  readonly groups: string[];
  /** The issuer that signed the token (tells pools apart behind one API). */
  readonly issuer: string;
  /**
   * A claim of the verified token, typed by you, e.g. a custom claim added by
   * a pre-token-generation (V3) trigger: `auth.claim<string>("tenant_id")`.
   * Read from the signed payload only; the type is your assertion, not a
   * check: validate values you branch on. Undefined when absent.
   */
  claim<T = unknown>(name: string): T | undefined;
}

/** A signed-in user's token. */
export interface CognitoUserAuth extends CognitoAuthBase {
  readonly kind: "user";
  /** The user name (Cognito's `username` claim). */
  readonly username: string;
}

/**
 * A machine client's token (client-credentials grant): `sub` is the client id,
 * there is no user, no sign-in session (`origin_jti`), and no groups.
 */
export interface CognitoClientAuth extends CognitoAuthBase {
  readonly kind: "client";
  /** Always undefined: a machine client has no user. */
  readonly username?: undefined;
  readonly groups: never[];
}

/**
 * What a verified request carries: `req.auth` (Express), `ctx.state.auth` (Koa).
 * Narrow on `kind`: `if (auth.kind === "user") auth.username // string`.
 */
export type CognitoAuth = CognitoUserAuth | CognitoClientAuth;

// Shared by every auth object: one function, not one closure per token.
// Not enumerable: `for…in`, spreads and deep-equality see the token's data only.
const AUTH_PROTOTYPE = Object.freeze(
  Object.defineProperty({}, "claim", {
    value: function claim(this: CognitoAuthBase, name: string): unknown {
      return Object.prototype.hasOwnProperty.call(this.claims, name) ? this.claims[name] : undefined;
    },
    enumerable: false,
  }),
);

export function createAuth(token: string, claims: CognitoAccessTokenClaims, realm: string): CognitoAuth {
  const groups = claims["cognito:groups"];
  // Claims are shared by every request that presents the token (the cache): arrays
  // and objects in them (groups, aud, amr, custom claims) are frozen too.
  for (const name in claims) {
    const value = claims[name];
    if (typeof value === "object" && value !== null) deepFreeze(value);
  }
  const auth = Object.assign(Object.create(AUTH_PROTOTYPE) as object, {
    kind: callerKindOf(claims) ?? "user",
    claims: Object.freeze(claims),
    sub: claims.sub,
    username: claims.username,
    clientId: claims.client_id,
    scopes: Object.freeze(claims.scope ? claims.scope.split(" ").filter(Boolean) : []) as string[],
    groups: Object.freeze(groups ? [...groups] : []) as string[],
    issuer: claims.iss,
  }) as CognitoAuth;
  // Readable by name, invisible to JSON, inspection and enumeration (see the doc comment above).
  Object.defineProperty(auth, "token", { value: token, enumerable: false });
  Object.freeze(auth);
  rememberRealm(auth, realm);
  return auth;
}

function deepFreeze(value: object): void {
  if (Object.isFrozen(value)) return;
  Object.freeze(value);
  for (const inner of Object.values(value)) if (typeof inner === "object" && inner !== null) deepFreeze(inner as object);
}
