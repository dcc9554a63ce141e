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
  [claim: string]: unknown;
}

/** What a verified request carries: `req.auth` (Express), `ctx.state.auth` (Koa). */
export interface CognitoAuth {
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
  /** The user name; undefined for client-credentials tokens, which have no user. */
  readonly username: string | undefined;
  readonly clientId: string;
  readonly scopes: string[];
  readonly groups: string[];
  /** The issuer that signed the token (tells pools apart behind one API). */
  readonly issuer: string;
}

export function createAuth(token: string, claims: CognitoAccessTokenClaims, realm: string): CognitoAuth {
  const groups = claims["cognito:groups"];
  if (groups !== undefined) Object.freeze(groups);
  const auth = {
    claims: Object.freeze(claims),
    sub: claims.sub,
    username: claims.username,
    clientId: claims.client_id,
    scopes: Object.freeze(claims.scope ? claims.scope.split(" ").filter(Boolean) : []) as string[],
    groups: Object.freeze(groups ? [...groups] : []) as string[],
    issuer: claims.iss,
  } as Omit<CognitoAuth, "token"> as CognitoAuth;
  // Readable by name, invisible to JSON, inspection and enumeration (see the doc comment above).
  Object.defineProperty(auth, "token", { value: token, enumerable: false });
  Object.freeze(auth);
  rememberRealm(auth, realm);
  return auth;
}
