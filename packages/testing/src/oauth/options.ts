// What createTestIssuer({ oauth }) takes: the app client's settings as in
// Cognito's console (callback and sign-out URLs, secret, refresh-token
// rotation, token lifetimes) and the users who can sign in without a form.
// Lifetimes shorter than Cognito's minimum are allowed here, for tests and demos.

export interface TestUser {
  username: string;
  /** Default: a random UUID, fixed for the issuer's lifetime. */
  sub?: string | undefined;
  email?: string | undefined;
  /** `cognito:groups` of the user's tokens. */
  groups?: string[] | undefined;
}

export interface OAuthOptions {
  /** Allowed callback URLs (exact match, as Cognito). Required. */
  redirectUris: string[];
  /** Allowed sign-out URLs for GET /logout. Default: the redirect URIs' origins with "/". */
  logoutUris?: string[] | undefined;
  /** A confidential client's secret (HTTP Basic or client_secret in the body); none for a public client. */
  clientSecret?: string | undefined;
  /**
   * The app client's allowed scopes: GET /oauth2/authorize refuses any other
   * with invalid_scope, as Cognito does. Default ["openid", "email", "profile",
   * "phone", "aws.cognito.signin.user.admin"]. A resource server's custom
   * scopes (e.g. "orders/read") must be listed; the list replaces the default,
   * so name "openid" and the others the client asks for too.
   */
  allowedScopes?: string[] | undefined;
  /** Users who can sign in; GET /oauth2/authorize signs in the one named by `login_hint`, or the first. Default: one user "test-user". */
  users?: TestUser[] | undefined;
  /** Default 3600. */
  accessTokenLifetimeSeconds?: number | undefined;
  /** Default 3600. */
  idTokenLifetimeSeconds?: number | undefined;
  /** Default 30 days. */
  refreshTokenLifetimeSeconds?: number | undefined;
  /** Authorization codes are valid this long. Default 300 (Cognito: 5 minutes). */
  codeLifetimeSeconds?: number | undefined;
  /**
   * Refresh-token rotation. Off (default): the refresh grant returns no refresh
   * token. On: a new refresh token each time, the old one still accepted for
   * `retryGraceSeconds` (0–60, default 0 here), then `invalid_grant`.
   */
  refreshTokenRotation?: boolean | { retryGraceSeconds?: number | undefined } | undefined;
  /**
   * The app client's token revocation (Cognito's EnableTokenRevocation). On
   * (default): tokens carry `origin_jti`. Off: they carry none, as from app
   * clients created before revocation existed or with it turned off.
   */
  tokenRevocation?: boolean | undefined;
}

export type ResolvedUser = TestUser & { sub: string };

export interface ResolvedOAuthOptions {
  redirectUris: Set<string>;
  logoutUris: Set<string>;
  clientSecret: string | undefined;
  allowedScopes: ReadonlySet<string>;
  users: ResolvedUser[];
  accessTokenLifetimeSeconds: number;
  idTokenLifetimeSeconds: number;
  refreshTokenLifetimeSeconds: number;
  codeLifetimeSeconds: number;
  rotation: { retryGraceSeconds: number } | undefined;
  tokenRevocation: boolean;
}

const DEFAULT_SCOPES = ["openid", "email", "profile", "phone", "aws.cognito.signin.user.admin"];

export function resolveOAuthOptions(options: OAuthOptions, newSub: () => string): ResolvedOAuthOptions {
  if (options === null || typeof options !== "object") throw new TypeError("oauth must be an object");
  const { redirectUris } = options;
  if (!Array.isArray(redirectUris) || redirectUris.length === 0) throw new TypeError("oauth.redirectUris must be a non-empty array of URLs");
  for (const uri of redirectUris) absoluteUrl("oauth.redirectUris", uri);
  const logoutUris = options.logoutUris ?? [...new Set(redirectUris.map((uri) => `${new URL(uri).origin}/`))];
  for (const uri of logoutUris) absoluteUrl("oauth.logoutUris", uri);
  const lifetime = (name: string, value: number | undefined, fallback: number) => {
    if (value === undefined) return fallback;
    if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) throw new RangeError(`oauth.${name} must be a positive number`);
    return value;
  };
  const rotation = options.refreshTokenRotation;
  let resolvedRotation: ResolvedOAuthOptions["rotation"];
  if (rotation === true) resolvedRotation = { retryGraceSeconds: 0 };
  else if (typeof rotation === "object" && rotation !== null) {
    const grace = rotation.retryGraceSeconds ?? 0;
    if (typeof grace !== "number" || grace < 0 || grace > 60) throw new RangeError("oauth.refreshTokenRotation.retryGraceSeconds must be from 0 to 60");
    resolvedRotation = { retryGraceSeconds: grace };
  } else if (rotation !== undefined && rotation !== false) throw new TypeError("oauth.refreshTokenRotation must be a boolean or { retryGraceSeconds }");
  const users = (options.users ?? [{ username: "test-user" }]).map((user) => {
    if (typeof user?.username !== "string" || user.username === "") throw new TypeError("oauth.users: every user needs a username");
    return { ...user, sub: user.sub ?? newSub() };
  });
  if (users.length === 0) throw new TypeError("oauth.users must not be empty");
  if (options.tokenRevocation !== undefined && typeof options.tokenRevocation !== "boolean") throw new TypeError("oauth.tokenRevocation must be a boolean");
  return {
    redirectUris: new Set(redirectUris),
    logoutUris: new Set(logoutUris),
    clientSecret: options.clientSecret,
    allowedScopes: new Set(options.allowedScopes ?? DEFAULT_SCOPES),
    users,
    accessTokenLifetimeSeconds: lifetime("accessTokenLifetimeSeconds", options.accessTokenLifetimeSeconds, 3600),
    idTokenLifetimeSeconds: lifetime("idTokenLifetimeSeconds", options.idTokenLifetimeSeconds, 3600),
    refreshTokenLifetimeSeconds: lifetime("refreshTokenLifetimeSeconds", options.refreshTokenLifetimeSeconds, 30 * 86_400),
    codeLifetimeSeconds: lifetime("codeLifetimeSeconds", options.codeLifetimeSeconds, 300),
    rotation: resolvedRotation,
    tokenRevocation: options.tokenRevocation ?? true,
  };
}

function absoluteUrl(name: string, value: unknown): void {
  try {
    new URL(String(value));
  } catch {
    throw new TypeError(`${name}: "${String(value)}" is not an absolute URL`);
  }
}
