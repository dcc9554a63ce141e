// What createTestIssuer({ oauth }) takes: the app client's settings as in
// Cognito's console (callback and sign-out URLs, secret, refresh-token
// rotation, token lifetimes) and the users who can sign in without a form.
// Lifetimes shorter than Cognito's minimum are allowed here, for tests and demos.
// Machine clients are the user pool's other app clients, for the
// client_credentials grant (M2M): in Cognito a client with that grant can have
// no other, so they are separate from the app client above.
import { randomClientId } from "../random.js";

export interface TestUser {
  username: string;
  /** Default: a random UUID, fixed for the issuer's lifetime. */
  sub?: string | undefined;
  email?: string | undefined;
  /** `cognito:groups` of the user's tokens. */
  groups?: string[] | undefined;
}

/** An app client allowed the client_credentials grant (a Cognito "machine-to-machine application"). */
export interface MachineClient {
  /** Default: 26 random lowercase alphanumerics, Cognito's shape. */
  clientId?: string;
  /** Required: Cognito grants client_credentials only to a client with a secret. */
  clientSecret: string;
  /**
   * The resource servers' scopes this client may ask for, `<identifier>/<scope>`
   * (e.g. "orders/read"). A request for any other is refused with invalid_scope;
   * a request naming none gets all of them, as from Cognito.
   */
  allowedScopes: string[];
  /** Default 3600. Cognito allows 5 minutes to 1 day; here any positive number up to 86,400. */
  accessTokenLifetimeSeconds?: number;
}

export interface OAuthOptions {
  /** Allowed callback URLs (exact match, as Cognito). Required, unless the issuer only serves `machineClients`. */
  redirectUris?: string[];
  /** App clients for the client_credentials grant: M2M tokens with `sub` = `client_id` and resource-server scopes. */
  machineClients?: MachineClient[];
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
export type ResolvedMachineClient = Required<MachineClient>;

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
  /** By client id. */
  machineClients: ReadonlyMap<string, ResolvedMachineClient>;
}

const DEFAULT_SCOPES = ["openid", "email", "profile", "phone", "aws.cognito.signin.user.admin"];

export function resolveOAuthOptions(options: OAuthOptions, newSub: () => string): ResolvedOAuthOptions {
  if (options === null || typeof options !== "object") throw new TypeError("oauth must be an object");
  const machineClients = resolveMachineClients(options.machineClients);
  const redirectUris = options.redirectUris === undefined && machineClients.size > 0 ? [] : options.redirectUris;
  if (!Array.isArray(redirectUris) || (redirectUris.length === 0 && options.redirectUris !== undefined)) {
    throw new TypeError("oauth.redirectUris must be a non-empty array of URLs");
  }
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
    machineClients,
  };
}

const RESOURCE_SERVER_SCOPE = /^[\x21\x23-\x5B\x5D-\x7E]+\/[\x21\x23-\x5B\x5D-\x7E]+$/;

function resolveMachineClients(clients: MachineClient[] | undefined): Map<string, ResolvedMachineClient> {
  const resolved = new Map<string, ResolvedMachineClient>();
  if (clients === undefined) return resolved;
  if (!Array.isArray(clients)) throw new TypeError("oauth.machineClients must be an array");
  clients.forEach((client, i) => {
    const where = `oauth.machineClients[${i}]`;
    if (client === null || typeof client !== "object") throw new TypeError(`${where} must be an object`);
    const clientId = client.clientId ?? randomClientId();
    if (typeof clientId !== "string" || clientId === "") throw new TypeError(`${where}.clientId must be a non-empty string`);
    if (resolved.has(clientId)) throw new TypeError(`${where}.clientId ${JSON.stringify(clientId)} is listed twice`);
    if (typeof client.clientSecret !== "string" || client.clientSecret === "") {
      throw new TypeError(`${where}.clientSecret is required: Cognito grants client_credentials only to a client with a secret`);
    }
    if (!Array.isArray(client.allowedScopes) || client.allowedScopes.length === 0) {
      throw new TypeError(`${where}.allowedScopes must name at least one resource-server scope ("<identifier>/<scope>")`);
    }
    for (const scope of client.allowedScopes) {
      // openid, email and the like are user scopes: Cognito refuses them for client_credentials.
      if (typeof scope !== "string" || !RESOURCE_SERVER_SCOPE.test(scope)) {
        throw new TypeError(`${where}.allowedScopes: ${JSON.stringify(scope)} is not a resource-server scope ("<identifier>/<scope>")`);
      }
    }
    const lifetime = client.accessTokenLifetimeSeconds ?? 3600;
    if (typeof lifetime !== "number" || !Number.isFinite(lifetime) || lifetime <= 0 || lifetime > 86_400) {
      throw new RangeError(`${where}.accessTokenLifetimeSeconds must be a positive number up to 86400 (1 day)`);
    }
    resolved.set(clientId, { clientId, clientSecret: client.clientSecret, allowedScopes: [...client.allowedScopes], accessTokenLifetimeSeconds: lifetime });
  });
  return resolved;
}

function absoluteUrl(name: string, value: unknown): void {
  try {
    new URL(String(value));
  } catch {
    throw new TypeError(`${name}: "${String(value)}" is not an absolute URL`);
  }
}
