// Cognito's managed-login OAuth endpoints on the issuer's local origin, with
// Cognito's behaviour and error shapes:
//   GET  /oauth2/authorize   signs in a configured user without a form (and opens a managed-login
//                            session: an HttpOnly cookie on this origin), redirects with a code
//   POST /oauth2/token       authorization_code, refresh_token and client_credentials grants
//   POST /oauth2/revoke      revokes a refresh token and its sign-in (RFC 7009)
//   GET  /oauth2/userInfo    the user's attributes, for an access token
//   GET  /logout             ends the managed-login session, redirects to an allowed sign-out URL
// The token endpoint can be made to fail (down, 5xx, 429, slow, HTML), and
// every call is counted per grant, so apps can test their own refresh logic.
import { randomBytes } from "node:crypto";
import { STATUS_CODES, type IncomingMessage, type ServerResponse } from "node:http";
import { serveFault, validateFault, type JwksFault } from "../faults.js";
import { Grants, OAuthError, type SignIn } from "./grants.js";
import type { ResolvedOAuthOptions } from "./options.js";

/**
 * Fault modes of the token endpoint: the JWKS fault modes that make sense for
 * it; a status fault may carry `retryAfter` (seconds, sent as Retry-After, as
 * with a 429 from a throttled endpoint).
 */
export type TokenEndpointFault =
  | Extract<JwksFault, { mode: "down" } | { mode: "html" } | { mode: "slow" } | { mode: "garbage" }>
  | { mode: "status"; status?: number; retryAfter?: number };

/** How long a token-endpoint fault lasts: `requests` requests (then the endpoint heals by itself), or until set again. */
export interface TokenFaultOptions {
  requests?: number;
}

/** Calls per endpoint and grant since the start (or resetCounters()). */
export interface OAuthCounters {
  authorize: number;
  authorization_code: number;
  refresh_token: number;
  /** Machine-to-machine token requests (every one is billed by Cognito). */
  client_credentials: number;
  revoke: number;
  userInfo: number;
  logout: number;
}

export interface OAuthContext {
  clientId: string;
  options: ResolvedOAuthOptions;
  mintAccessToken(claims: Record<string, unknown>, expiresInSeconds: number): string;
  mintIdToken(claims: Record<string, unknown>, expiresInSeconds: number): string;
  /** The claims of an access token this issuer signed (signature checked), or undefined. */
  verifyAccessToken(token: string): Record<string, unknown> | undefined;
  schedule(callback: () => void, delayMs: number, res: ServerResponse): void;
}

/** What the last /oauth2/authorize request asked for beyond a plain sign-in (RFC 9470 step-up, RFC 8707 resource). */
export interface AuthorizeRequestRecord {
  acrValues: string[] | undefined;
  maxAge: number | undefined;
  resource: string | undefined;
  /** The callback URL the sign-in goes back to. */
  redirectUri: string;
}

export const zeroCounters = (): OAuthCounters => ({ authorize: 0, authorization_code: 0, refresh_token: 0, client_credentials: 0, revoke: 0, userInfo: 0, logout: 0 });

const MAX_BODY_BYTES = 64 * 1024;

/**
 * The managed-login session's cookie on the issuer's origin. Cognito names its
 * own `cognito`; what matters to an app is that it is HttpOnly on Cognito's
 * origin, so only Cognito's /logout (a navigation there) can end it, never the
 * app's own sign-out.
 */
export const MANAGED_SESSION_COOKIE = "cognito";
/** How long a managed-login session lasts: Cognito's is one hour. */
const MANAGED_SESSION_MS = 3600 * 1000;

export class OAuthEndpoints {
  readonly grants: Grants;
  counters = zeroCounters();
  lastAuthorize: AuthorizeRequestRecord | undefined;
  /** Live managed-login sessions: cookie value → the signed-in user's sub and when the session ends. */
  private readonly sessions = new Map<string, { sub: string; expiresAt: number }>();
  private fault: TokenEndpointFault | null = null;
  /** Requests the fault still applies to; undefined: until it is set again. */
  private faultRequests: number | undefined;

  constructor(private readonly context: OAuthContext) {
    this.grants = new Grants(context.options);
  }

  addRedirectUri(uri: string): void {
    const url = new URL(uri);
    this.context.options.redirectUris.add(uri);
    this.context.options.logoutUris.add(`${url.origin}/`);
  }

  /** How many managed-login sessions are live (signed in at /oauth2/authorize, not ended by /logout, not expired). */
  get managedSessions(): number {
    this.pruneSessions();
    return this.sessions.size;
  }

  private pruneSessions(): void {
    const now = Date.now();
    for (const [id, session] of this.sessions) if (session.expiresAt <= now) this.sessions.delete(id);
  }

  /** The live session named by the request's cookie: its id and user's sub, or undefined. */
  private sessionOf(req: IncomingMessage): { id: string; sub: string } | undefined {
    this.pruneSessions();
    const id = cookieValue(req.headers.cookie, MANAGED_SESSION_COOKIE);
    const session = id === undefined ? undefined : this.sessions.get(id);
    return session === undefined ? undefined : { id: id!, sub: session.sub };
  }

  get users(): OAuthContext["options"]["users"] {
    return this.context.options.users;
  }

  setTokenFault(fault: TokenEndpointFault | null, options: TokenFaultOptions = {}): void {
    if (fault !== null && !["down", "status", "html", "slow", "garbage"].includes(fault.mode)) {
      throw new TypeError(`token endpoint fault mode must be down, status, html, slow or garbage, got ${String(fault.mode)}`);
    }
    const retryAfter = fault?.mode === "status" ? fault.retryAfter : undefined;
    if (retryAfter !== undefined && (!Number.isInteger(retryAfter) || retryAfter < 0)) {
      throw new RangeError(`fault retryAfter must be a non-negative integer (seconds), got ${String(retryAfter)}`);
    }
    const { requests } = options;
    if (requests !== undefined && (!Number.isInteger(requests) || requests < 1)) {
      throw new RangeError(`fault requests must be a positive integer, got ${String(requests)}`);
    }
    const validated = validateFault(fault) as TokenEndpointFault | null;
    this.fault = validated?.mode === "status" && retryAfter !== undefined ? { ...validated, retryAfter } : validated;
    this.faultRequests = fault === null ? undefined : requests;
  }

  /** The fault for this request, counting it down when it lasts a number of requests. */
  private takeFault(): TokenEndpointFault | null {
    const fault = this.fault;
    if (fault !== null && this.faultRequests !== undefined && --this.faultRequests === 0) {
      this.fault = null;
      this.faultRequests = undefined;
    }
    return fault;
  }

  /** Serves the request when its path is one of ours; false otherwise. */
  handle(req: IncomingMessage, res: ServerResponse, url: URL): boolean {
    const route = `${req.method} ${url.pathname}`;
    switch (route) {
      case "GET /oauth2/authorize":
        this.counters.authorize++;
        this.authorize(req, url.searchParams, res);
        return true;
      case "POST /oauth2/token":
        this.withForm(req, res, (form) => this.token(req, form, res));
        return true;
      case "POST /oauth2/revoke":
        this.counters.revoke++;
        this.withForm(req, res, (form) => this.revoke(req, form, res));
        return true;
      case "GET /oauth2/userInfo":
      case "POST /oauth2/userInfo":
        this.counters.userInfo++;
        this.userInfo(req, res);
        return true;
      case "GET /logout":
        this.counters.logout++;
        this.logout(req, url.searchParams, res);
        return true;
      default:
        return false;
    }
  }

  private authorize(req: IncomingMessage, query: URLSearchParams, res: ServerResponse): void {
    const { options, clientId } = this.context;
    const redirectUri = query.get("redirect_uri");
    // Without a known client and an exact callback URL, Cognito shows an error page rather than redirect anywhere.
    if (query.get("client_id") !== clientId) return sendJson(res, 400, { error: "invalid_request", error_description: "Invalid client_id" });
    if (redirectUri === null || !options.redirectUris.has(redirectUri)) return sendJson(res, 400, { error: "redirect_mismatch" });
    const state = query.get("state");
    const fail = (error: string) => redirect(res, redirectUri, { error, state });
    if (query.get("response_type") !== "code") return fail("unsupported_response_type");
    const scopes = (query.get("scope") ?? "openid").split(" ").filter(Boolean);
    if (scopes.some((scope) => !options.allowedScopes.has(scope))) return fail("invalid_scope");
    const challenge = query.get("code_challenge") ?? undefined;
    const method = query.get("code_challenge_method");
    if ((challenge !== undefined || method !== null) && (method !== "S256" || challenge === undefined || !/^[A-Za-z0-9_-]{43}$/.test(challenge))) {
      return fail("invalid_request");
    }
    // Step-up: the user signs in again with the first acr asked for (and a second factor), now
    // (so auth_time meets any max_age); a resource becomes the tokens' aud, as with managed login.
    const acrValues = query.get("acr_values")?.split(" ").filter(Boolean);
    const maxAgeText = query.get("max_age");
    if (maxAgeText !== null && !/^\d{1,9}$/.test(maxAgeText)) return fail("invalid_request");
    const resource = query.get("resource") ?? undefined;
    this.lastAuthorize = { acrValues, maxAge: maxAgeText === null ? undefined : Number(maxAgeText), resource, redirectUri };
    const context = {
      ...(acrValues !== undefined && acrValues.length > 0 ? { acr: acrValues[0], amr: ["pwd", "otp"] } : {}),
      ...(resource !== undefined ? { aud: resource } : {}),
    };
    // A live managed-login session signs its user in again without a form, as Cognito does; a login_hint
    // names a user explicitly; otherwise the first configured user signs in (no form either).
    const hint = query.get("login_hint");
    const session = this.sessionOf(req);
    const user =
      options.users.find((candidate) => candidate.username === hint) ?? options.users.find((candidate) => candidate.sub === session?.sub) ?? options.users[0];
    const code = this.grants.issueCode({ user, redirectUri, scope: scopes.join(" "), codeChallenge: challenge, nonce: query.get("nonce") ?? undefined, context });
    // The sign-in opens (or renews) the session: only Cognito's /logout ends it before its hour is up.
    if (session !== undefined) this.sessions.delete(session.id);
    const id = randomBytes(24).toString("base64url");
    this.sessions.set(id, { sub: user.sub, expiresAt: Date.now() + MANAGED_SESSION_MS });
    // No Secure attribute: the issuer serves plain http on 127.0.0.1 (Cognito's cookie is Secure on https).
    res.setHeader("set-cookie", `${MANAGED_SESSION_COOKIE}=${id}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${MANAGED_SESSION_MS / 1000}`);
    redirect(res, redirectUri, { code, state });
  }

  private token(req: IncomingMessage, form: URLSearchParams, res: ServerResponse): void {
    const grantType = form.get("grant_type");
    if (grantType === "authorization_code" || grantType === "refresh_token" || grantType === "client_credentials") this.counters[grantType]++;
    const answer = () => {
      try {
        if (grantType === "client_credentials") return sendJson(res, 200, this.clientCredentialsGrant(req, form), NO_STORE);
        this.authenticateClient(req, form);
        if (grantType === "authorization_code") return sendJson(res, 200, this.codeGrant(form), NO_STORE);
        if (grantType === "refresh_token") return sendJson(res, 200, this.refreshGrant(form), NO_STORE);
        throw new OAuthError(grantType === null ? "invalid_request" : "unsupported_grant_type");
      } catch (err) {
        if (!(err instanceof OAuthError)) throw err;
        sendJson(res, err.status, { error: err.error }, NO_STORE);
      }
    };
    const fault = this.takeFault();
    if (fault === null) return answer();
    if (fault.mode === "status" && fault.retryAfter !== undefined) {
      return sendJson(res, fault.status ?? 500, { message: STATUS_CODES[fault.status ?? 500] ?? "Error" }, { "retry-after": String(fault.retryAfter) });
    }
    serveFault(fault, req, res, { keys: () => [], serveHealthy: answer, schedule: (callback, delayMs) => this.context.schedule(callback, delayMs, res) });
  }

  /**
   * Cognito's client_credentials grant: a machine client authenticated by its
   * secret gets an access token for resource-server scopes, with `sub` =
   * `client_id`, no username, no origin_jti, event_id or groups, no refresh token.
   * The user-facing app client is not allowed the grant (unauthorized_client).
   */
  private clientCredentialsGrant(req: IncomingMessage, form: URLSearchParams): object {
    const { id, secret } = clientCredentialsOf(req, form);
    if (id === this.context.clientId) {
      this.authenticateClient(req, form);
      throw new OAuthError("unauthorized_client");
    }
    const client = id === null ? undefined : this.context.options.machineClients.get(id);
    if (client === undefined || secret !== client.clientSecret) throw new OAuthError("invalid_client");
    const requested = (form.get("scope") ?? "").split(" ").filter(Boolean);
    if (requested.some((scope) => !client.allowedScopes.includes(scope))) throw new OAuthError("invalid_scope");
    const scope = (requested.length > 0 ? [...new Set(requested)] : client.allowedScopes).join(" ");
    const lifetime = client.accessTokenLifetimeSeconds;
    const accessToken = this.context.mintAccessToken(
      { sub: client.clientId, client_id: client.clientId, scope, username: undefined, origin_jti: undefined, event_id: undefined },
      lifetime,
    );
    return { access_token: accessToken, expires_in: lifetime, token_type: "Bearer" };
  }

  private codeGrant(form: URLSearchParams): object {
    const code = form.get("code");
    if (code === null) throw new OAuthError("invalid_request");
    const nonce = this.grants.nonceOf(code);
    const signIn = this.grants.redeemCode(code, form.get("redirect_uri"), form.get("code_verifier"));
    return { ...this.tokens(signIn, nonce), refresh_token: this.grants.issueRefreshToken(signIn) };
  }

  private refreshGrant(form: URLSearchParams): object {
    const refreshToken = form.get("refresh_token");
    if (refreshToken === null) throw new OAuthError("invalid_request");
    const { signIn, rotated } = this.grants.useRefreshToken(refreshToken);
    return rotated === undefined ? this.tokens(signIn, undefined) : { ...this.tokens(signIn, undefined), refresh_token: rotated };
  }

  /** Access and ID tokens of a sign-in: the same origin_jti and auth_time every time, a new jti each. */
  private tokens(signIn: SignIn, nonce: string | undefined): object {
    const { options } = this.context;
    const { user } = signIn;
    const groups = user.groups && user.groups.length > 0 ? { "cognito:groups": user.groups } : {};
    // Without token revocation on the app client, Cognito issues no origin_jti (undefined removes the claim).
    const revocable = { origin_jti: options.tokenRevocation ? signIn.originJti : undefined };
    const common = { sub: user.sub, ...groups, ...revocable, auth_time: signIn.authTime };
    return {
      access_token: this.context.mintAccessToken({ ...common, ...signIn.context, scope: signIn.scope, username: user.username }, options.accessTokenLifetimeSeconds),
      id_token: this.context.mintIdToken(
        { ...common, "cognito:username": user.username, email: user.email ?? `${user.username}@example.com`, nonce },
        options.idTokenLifetimeSeconds,
      ),
      token_type: "Bearer",
      expires_in: options.accessTokenLifetimeSeconds,
    };
  }

  private revoke(req: IncomingMessage, form: URLSearchParams, res: ServerResponse): void {
    try {
      this.authenticateClient(req, form);
      const token = form.get("token");
      if (token === null) throw new OAuthError("invalid_request");
      this.grants.revoke(token);
      res.writeHead(200, { "content-length": "0" }).end();
    } catch (err) {
      if (!(err instanceof OAuthError)) throw err;
      sendJson(res, err.status, { error: err.error });
    }
  }

  private userInfo(req: IncomingMessage, res: ServerResponse): void {
    const match = /^Bearer ([\w.-]+)$/.exec(req.headers.authorization ?? "");
    const claims = match ? this.context.verifyAccessToken(match[1]) : undefined;
    const originRevoked = typeof claims?.origin_jti === "string" && this.grants.isOriginRevoked(claims.origin_jti);
    if (claims === undefined || originRevoked || (claims.exp as number) * 1000 <= Date.now()) {
      res.setHeader("www-authenticate", 'Bearer error="invalid_token"');
      return sendJson(res, 401, { error: "invalid_token", error_description: "Access token is expired, revoked or invalid" });
    }
    const user = this.context.options.users.find((candidate) => candidate.sub === claims.sub);
    sendJson(res, 200, {
      sub: claims.sub,
      email_verified: "true",
      email: user?.email ?? `${String(claims.username)}@example.com`,
      username: claims.username,
    });
  }

  private logout(req: IncomingMessage, query: URLSearchParams, res: ServerResponse): void {
    const logoutUri = query.get("logout_uri");
    // A refused sign-out URL is an error page, and the session stays (Cognito ends it only on a valid request).
    if (query.get("client_id") !== this.context.clientId || logoutUri === null || !this.context.options.logoutUris.has(logoutUri)) {
      return sendJson(res, 400, { error: "invalid_request", error_description: "Required String parameter 'logout_uri' or 'client_id' is invalid" });
    }
    const session = this.sessionOf(req);
    if (session !== undefined) this.sessions.delete(session.id);
    res.writeHead(302, {
      location: logoutUri,
      "content-length": "0",
      "set-cookie": `${MANAGED_SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0`,
    }).end();
  }

  /** HTTP Basic (client_secret_basic), client_secret in the body (client_secret_post), or client_id alone for a public client. */
  private authenticateClient(req: IncomingMessage, form: URLSearchParams): void {
    const { id, secret } = clientCredentialsOf(req, form);
    if (id !== this.context.clientId) throw new OAuthError("invalid_client");
    const expected = this.context.options.clientSecret;
    if (expected !== undefined && secret !== expected) throw new OAuthError("invalid_client");
  }

  private withForm(req: IncomingMessage, res: ServerResponse, then: (form: URLSearchParams) => void): void {
    if (!/^application\/x-www-form-urlencoded\b/i.test(req.headers["content-type"] ?? "")) {
      req.resume();
      return sendJson(res, 400, { error: "invalid_request" });
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) req.destroy();
      else chunks.push(chunk);
    });
    req.on("end", () => then(new URLSearchParams(Buffer.concat(chunks).toString("utf8"))));
  }
}

/** The value of cookie `name` in a Cookie header, or undefined. */
function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** The client id and secret of a token request: HTTP Basic (client_secret_basic) or the body (client_secret_post). */
function clientCredentialsOf(req: IncomingMessage, form: URLSearchParams): { id: string | null; secret: string | null } {
  const basic = /^Basic (.+)$/i.exec(req.headers.authorization ?? "");
  if (!basic) return { id: form.get("client_id"), secret: form.get("client_secret") };
  const decoded = Buffer.from(basic[1], "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon < 0) throw new OAuthError("invalid_client");
  try {
    return { id: decodeURIComponent(decoded.slice(0, colon)), secret: decodeURIComponent(decoded.slice(colon + 1)) };
  } catch {
    throw new OAuthError("invalid_client");
  }
}

const NO_STORE = { "cache-control": "no-store", pragma: "no-cache" };

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json;charset=UTF-8", "content-length": Buffer.byteLength(text), ...headers });
  res.end(text);
}

function redirect(res: ServerResponse, to: string, params: Record<string, string | null>): void {
  const url = new URL(to);
  for (const [name, value] of Object.entries(params)) if (value !== null) url.searchParams.set(name, value);
  res.writeHead(302, { location: url.toString(), "content-length": "0" }).end();
}
