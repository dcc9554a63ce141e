import { randomUUID, verify as cryptoVerify, type JsonWebKey, type KeyObject } from "node:crypto";
import { isIPv6 } from "node:net";
import { accessClaimOverrides, type AccessClaimOverrides } from "./access-claims.js";
import { validateFault, type JwksFault } from "./faults.js";
import { startJwksServer } from "./jwks-server.js";
import { signCompact } from "./jws.js";
import { OAuthEndpoints, zeroCounters, type AuthorizeRequestRecord, type OAuthCounters, type TokenEndpointFault, type TokenFaultOptions } from "./oauth/endpoints.js";
import { resolveOAuthOptions, type OAuthOptions, type ResolvedMachineClient, type ResolvedUser } from "./oauth/options.js";
import { hashFor, isSigningAlgorithm, KeyRing, SIGNING_ALGORITHMS, type SigningAlgorithm, type SigningKey } from "./keys.js";
import { applyOverrides } from "./overrides.js";
import { randomClientId, randomUserPoolSuffix } from "./random.js";
import {
  accessTokenClaims,
  DEFAULT_EXPIRES_IN_SECONDS,
  idTokenClaims,
  type ClaimOverrides,
  type TokenContext,
} from "./tokens.js";

export interface TestIssuerOptions {
  /** Default "eu-west-1", or the region prefix of `userPoolId` when that has one. */
  region?: string | undefined;
  /** Default `${region}_` + 9 random alphanumerics, Cognito's shape. Must be usable as a URL path segment. */
  userPoolId?: string | undefined;
  /** Default: 26 random lowercase alphanumerics, Cognito's shape. */
  clientId?: string | undefined;
  /** Default "RS256". RSA keys are 2048-bit; ES256/384/512 use P-256/P-384/P-521. */
  algorithm?: SigningAlgorithm | undefined;
  /** Address to bind. Default "127.0.0.1". */
  host?: string | undefined;
  /** Port to bind. Default 0 (a free port chosen by the OS). */
  port?: number | undefined;
  /** Also serve Cognito's managed-login OAuth endpoints (`/oauth2/authorize`, `/oauth2/token`, …) for this app client. */
  oauth?: OAuthOptions | undefined;
}

/** The OAuth endpoints' controls, when the issuer serves them. */
export interface TestIssuerOAuth {
  /** `${url}/oauth2/authorize` and friends: what an app calls its Cognito domain. */
  readonly authorizeUrl: string;
  readonly tokenUrl: string;
  readonly revokeUrl: string;
  readonly logoutUrl: string;
  readonly userInfoUrl: string;
  /** The users who can sign in, with their subs. */
  readonly users: readonly ResolvedUser[];
  /** The app clients allowed the client_credentials grant, with their ids (M2M tokens carry them as `sub` and `client_id`). */
  readonly machineClients: readonly ResolvedMachineClient[];
  /** Calls per endpoint and grant. */
  readonly counters: Readonly<OAuthCounters>;
  resetCounters(): void;
  /**
   * What the last /oauth2/authorize asked for: `acr_values`, `max_age` (RFC 9470
   * step-up) and `resource` (RFC 8707). The sign-in's access tokens then carry
   * `acr` (the first value asked for), `amr: ["pwd", "otp"]`, a fresh
   * `auth_time`, and `aud` = the resource.
   */
  readonly lastAuthorize: AuthorizeRequestRecord | undefined;
  /**
   * Allows another callback URL (and its origin + "/" as a sign-out URL): for
   * apps that learn their port when they listen, after the issuer exists.
   */
  addRedirectUri(uri: string): void;
  /**
   * Makes the token endpoint fail (down, status (5xx, 429, with `retryAfter`), html, slow, garbage);
   * `null` heals it, as does `{ requests: n }` after n requests.
   */
  setTokenFault(fault: TokenEndpointFault | null, options?: TokenFaultOptions): void;
  /** Cognito's GlobalSignOut: revokes every refresh token (every sign-in) of the user with this username; returns how many. */
  globalSignOut(username: string): number;
  /** True once a refresh token of that sign-in was revoked at /oauth2/revoke. */
  isSessionRevoked(originJti: string): boolean;
  /**
   * How many managed-login sessions are live: each successful /oauth2/authorize
   * opens one (an HttpOnly `cognito` cookie on the issuer's origin, one hour, as
   * Cognito's), and a valid GET /logout carrying that cookie ends it.
   */
  readonly managedSessions: number;
}

export interface MintOptions {
  /** Sign with this key (possibly withdrawn) instead of the current one. */
  kid?: string | undefined;
  /** Default 3600 (exp = iat + this). Negative values make expired tokens. */
  expiresInSeconds?: number | undefined;
  /** Merged over the default `{ kid, alg }` header; a field set to `undefined` is removed. */
  header?: Record<string, unknown> | undefined;
}

export interface RotateKeyOptions {
  /** Stop publishing every other key. Default false (both stay published, as during a Cognito rotation). */
  retireOthers?: boolean | undefined;
  /** Algorithm of the new key. Default: the issuer's algorithm. */
  algorithm?: SigningAlgorithm | undefined;
}

export interface TestIssuerVerifierOptions {
  userPoolId: string;
  clientId: string;
  issuer: string;
  jwksUri: string;
}

export interface PublicKeyInfo {
  keyObject: KeyObject;
  /** SPKI PEM. */
  pem: string;
  jwk: JsonWebKey;
}

export interface TestIssuer {
  /** `http://127.0.0.1:<port>/<userPoolId>`: Cognito's issuer shape, served over local http. */
  readonly issuer: string;
  /** `${issuer}/.well-known/jwks.json` */
  readonly jwksUri: string;
  readonly userPoolId: string;
  readonly clientId: string;
  readonly region: string;
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** The address the server is bound to. */
  readonly host: string;
  readonly port: number;
  /** Options ready for createVerifier() of @cognito-bearer/core (and cognitoAuth() of the adapters). */
  readonly verifierOptions: TestIssuerVerifierOptions;
  /** kid of the current signing key. */
  readonly kid: string;
  /** kids currently published in the JWKS, oldest first. */
  readonly kids: string[];

  /**
   * An access token with Cognito's claims; `overrides` are merged over them
   * (`undefined` removes a claim). `groups` and `scopes` (arrays) set
   * `cognito:groups` and `scope`; a claim of your own takes a namespaced name
   * (`custom:tenant`); any other key throws a TypeError naming the claim meant.
   */
  mintAccessToken(claims?: AccessClaimOverrides, options?: MintOptions): string;
  /** An ID token with Cognito's claims; `overrides` are merged over them (`undefined` removes a claim). */
  mintIdToken(claims?: ClaimOverrides, options?: MintOptions): string;
  /**
   * Signs an arbitrary header and payload with the current (or given) key, using
   * that key's real algorithm whatever `header.alg` says; for attack tests.
   * `header.alg` and `header.kid` default to the key's (`undefined` removes them).
   */
  sign(header: Record<string, unknown>, payload: Record<string, unknown>, options?: { kid?: string | undefined }): string;
  /** The public JWKS as served when healthy (a deep copy). */
  jwks(): { keys: JsonWebKey[] };
  /** The current (or given) key's public key, e.g. for HS256-with-the-public-key attack tests. */
  publicKey(kid?: string): PublicKeyInfo;

  /** Generates and publishes a new signing key; the previous keys stay published unless `retireOthers`. Returns the new kid. */
  rotateKey(options?: RotateKeyOptions): string;
  /** Stops publishing a key. It can still sign via `{ kid }` in mint options, for tests. */
  withdrawKey(kid: string): void;

  /** Number of GET requests to the JWKS path, whatever the fault mode. */
  readonly jwksRequests: number;
  resetCounters(): void;
  /** Makes the JWKS endpoint misbehave; `null` makes it healthy again. */
  setFault(fault: JwksFault | null): void;
  /** The OAuth endpoints, when created with `oauth`. */
  readonly oauth: TestIssuerOAuth | undefined;
  /** Stops the server and cuts all open connections. Idempotent. */
  close(): Promise<void>;
}

const DEFAULT_REGION = "eu-west-1";
const DEFAULT_HOST = "127.0.0.1";
const COGNITO_POOL_REGION = /^([a-z]{2}-[a-z]+-\d)_/;
const PATH_SEGMENT = /^[A-Za-z0-9_-]+$/;

// The address to put in URLs: a wildcard bind is reached over loopback, and
// IPv6 literals need brackets.
function urlHost(host: string): string {
  if (host === "0.0.0.0") return "127.0.0.1";
  if (host === "::") return "[::1]";
  return isIPv6(host) ? `[${host}]` : host;
}

function resolveOptions(options: TestIssuerOptions): Required<Omit<TestIssuerOptions, "oauth">> {
  const { userPoolId, clientId, host = DEFAULT_HOST, port = 0, algorithm = "RS256" } = options;
  const region = options.region ?? (userPoolId && COGNITO_POOL_REGION.exec(userPoolId)?.[1]) ?? DEFAULT_REGION;

  if (typeof region !== "string" || region === "") throw new TypeError("region must be a non-empty string");
  if (userPoolId !== undefined && (typeof userPoolId !== "string" || !PATH_SEGMENT.test(userPoolId))) {
    throw new TypeError(`userPoolId must be letters, digits, "_" or "-" (it is a URL path segment), got ${JSON.stringify(userPoolId)}`);
  }
  if (clientId !== undefined && (typeof clientId !== "string" || clientId === "")) {
    throw new TypeError("clientId must be a non-empty string");
  }
  if (!isSigningAlgorithm(algorithm)) {
    throw new TypeError(`algorithm must be one of ${SIGNING_ALGORITHMS.join(", ")}, got ${JSON.stringify(algorithm)}`);
  }
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RangeError(`port must be an integer from 0 to 65535, got ${String(port)}`);
  }
  return {
    region,
    userPoolId: userPoolId ?? `${region}_${randomUserPoolSuffix()}`,
    clientId: clientId ?? randomClientId(),
    algorithm,
    host,
    port,
  };
}

/**
 * Starts a local, Cognito-shaped issuer: a JWKS endpoint on 127.0.0.1 and a
 * signer for access and ID tokens that a verifier configured with
 * `verifierOptions` accepts. For tests only: plain http, no authentication.
 * With `oauth`, the issuer's `oauth` is typed as set.
 */
export function createTestIssuer(options: TestIssuerOptions & { oauth: OAuthOptions }): Promise<TestIssuer & { readonly oauth: TestIssuerOAuth }>;
export function createTestIssuer(options?: TestIssuerOptions): Promise<TestIssuer>;
export async function createTestIssuer(options: TestIssuerOptions = {}): Promise<TestIssuer> {
  const resolved = resolveOptions(options);
  // Every option is checked before the server listens: a refused option leaves no port bound.
  const oauthOptions = options.oauth === undefined ? undefined : resolveOAuthOptions(options.oauth, randomUUID);
  const keyRing = new KeyRing(resolved.algorithm);
  let fault: JwksFault | null = null;
  let jwksRequests = 0;
  // The issuer URL contains the port, which is known only once the server listens.
  let issuer = "";
  let jwksUri = "";
  let url = "";
  let oauth: OAuthEndpoints | undefined;

  const server = await startJwksServer({
    host: resolved.host,
    port: resolved.port,
    userPoolId: resolved.userPoolId,
    keys: () => keyRing.publishedJwks(),
    fault: () => fault,
    discovery: () => ({
      issuer,
      jwksUri,
      algorithms: [...new Set(keyRing.publishedKids.map((kid) => keyRing.get(kid).algorithm))],
      endpoints: oauth && {
        authorization_endpoint: `${url}/oauth2/authorize`,
        token_endpoint: `${url}/oauth2/token`,
        revocation_endpoint: `${url}/oauth2/revoke`,
        userinfo_endpoint: `${url}/oauth2/userInfo`,
        end_session_endpoint: `${url}/logout`,
        response_types_supported: ["code"],
        scopes_supported: ["openid", "email", "phone", "profile"],
        code_challenge_methods_supported: ["S256"],
        token_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post"],
      },
    }),
    routes: (req, res, requestUrl) => oauth?.handle(req, res, requestUrl) ?? false,
    onJwksRequest: () => {
      jwksRequests++;
    },
  });

  url = `http://${urlHost(resolved.host)}:${server.port}`;
  issuer = `${url}/${resolved.userPoolId}`;
  jwksUri = `${issuer}/.well-known/jwks.json`;
  const context: TokenContext = { issuer, clientId: resolved.clientId };

  if (oauthOptions !== undefined) {
    oauth = new OAuthEndpoints({
      clientId: resolved.clientId,
      options: oauthOptions,
      mintAccessToken: (claims, expiresInSeconds) => mint(accessTokenClaims, claims, { expiresInSeconds }),
      mintIdToken: (claims, expiresInSeconds) => mint(idTokenClaims, claims, { expiresInSeconds }),
      verifyAccessToken: (token) => verifySigned(keyRing, token),
      schedule: server.schedule,
    });
  }
  const endpoints = oauth;

  const defaultHeader = (key: SigningKey): Record<string, unknown> => ({ kid: key.kid, alg: key.algorithm });

  const mint = (
    claimsFor: typeof accessTokenClaims,
    overrides: ClaimOverrides | undefined,
    mintOptions: MintOptions = {},
  ): string => {
    const key = keyRing.get(mintOptions.kid);
    const payload = claimsFor(context, overrides, mintOptions.expiresInSeconds ?? DEFAULT_EXPIRES_IN_SECONDS);
    return signCompact(key, applyOverrides(defaultHeader(key), mintOptions.header), payload);
  };

  return {
    issuer,
    jwksUri,
    userPoolId: resolved.userPoolId,
    clientId: resolved.clientId,
    region: resolved.region,
    url,
    host: resolved.host,
    port: server.port,
    verifierOptions: { userPoolId: resolved.userPoolId, clientId: resolved.clientId, issuer, jwksUri },
    get kid() {
      return keyRing.current.kid;
    },
    get kids() {
      return keyRing.publishedKids;
    },
    get jwksRequests() {
      return jwksRequests;
    },

    mintAccessToken: (claims, mintOptions) => mint(accessTokenClaims, accessClaimOverrides(claims), mintOptions),
    mintIdToken: (claims, mintOptions) => mint(idTokenClaims, claims, mintOptions),
    sign(header, payload, signOptions = {}) {
      const key = keyRing.get(signOptions.kid);
      return signCompact(key, applyOverrides(defaultHeader(key), header), { ...payload });
    },
    jwks: () => ({ keys: keyRing.publishedJwks() }),
    publicKey(kid) {
      const key = keyRing.get(kid);
      return {
        keyObject: key.publicKey,
        pem: key.publicKey.export({ format: "pem", type: "spki" }).toString(),
        jwk: { ...key.jwk },
      };
    },

    rotateKey(rotateOptions = {}) {
      const algorithm = rotateOptions.algorithm ?? resolved.algorithm;
      if (!isSigningAlgorithm(algorithm)) {
        throw new TypeError(`algorithm must be one of ${SIGNING_ALGORITHMS.join(", ")}, got ${JSON.stringify(algorithm)}`);
      }
      return keyRing.rotate(algorithm, rotateOptions.retireOthers ?? false).kid;
    },
    withdrawKey: (kid) => keyRing.withdraw(kid),

    resetCounters() {
      jwksRequests = 0;
    },
    setFault(next) {
      fault = validateFault(next);
    },
    oauth: endpoints && {
      authorizeUrl: `${url}/oauth2/authorize`,
      tokenUrl: `${url}/oauth2/token`,
      revokeUrl: `${url}/oauth2/revoke`,
      logoutUrl: `${url}/logout`,
      userInfoUrl: `${url}/oauth2/userInfo`,
      users: endpoints.users,
      machineClients: [...oauthOptions!.machineClients.values()],
      get lastAuthorize() {
        return endpoints.lastAuthorize;
      },
      get counters() {
        return { ...endpoints.counters };
      },
      get managedSessions() {
        return endpoints.managedSessions;
      },
      resetCounters() {
        endpoints.counters = zeroCounters();
      },
      setTokenFault: (fault, faultOptions) => endpoints.setTokenFault(fault, faultOptions),
      addRedirectUri: (uri) => endpoints.addRedirectUri(uri),
      isSessionRevoked: (originJti) => endpoints.grants.isOriginRevoked(originJti),
      globalSignOut(username) {
        const user = endpoints.users.find((candidate) => candidate.username === username);
        if (user === undefined) throw new Error(`no test user named ${JSON.stringify(username)}`);
        return endpoints.grants.revokeUser(user.sub);
      },
    },
    close: () => server.close(),
  };
}

/** The payload of a compact JWS signed by one of the ring's keys, or undefined. */
function verifySigned(keyRing: KeyRing, token: string): Record<string, unknown> | undefined {
  const [header, payload, signature] = token.split(".");
  if (signature === undefined) return undefined;
  try {
    const { kid } = JSON.parse(Buffer.from(header, "base64url").toString()) as { kid?: string };
    const key = keyRing.get(kid);
    const ok = cryptoVerify(hashFor(key.algorithm), Buffer.from(`${header}.${payload}`), { key: key.publicKey, dsaEncoding: "ieee-p1363" }, Buffer.from(signature, "base64url"));
    return ok ? (JSON.parse(Buffer.from(payload, "base64url").toString()) as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
