// The state behind Cognito's OAuth endpoints: authorization codes (single use,
// short-lived, bound to a redirect URI and a PKCE challenge), refresh tokens
// (bound to one sign-in: its origin_jti, auth_time and scopes), rotation with a
// retry grace, and revocation. Kept in memory for the issuer's lifetime.
import { createHash, randomBytes, randomUUID } from "node:crypto";
import type { ResolvedOAuthOptions, ResolvedUser } from "./options.js";

export interface AuthorizationCode {
  user: ResolvedUser;
  redirectUri: string;
  scope: string;
  codeChallenge: string | undefined;
  nonce: string | undefined;
  /** Step-up (RFC 9470) and resource (RFC 8707) asked for at /oauth2/authorize: what the sign-in's tokens carry. */
  context?: SignInContext;
  expiresAt: number;
}

/** What a sign-in's access tokens carry beyond the user: `acr`, `amr` and `aud`. */
export interface SignInContext {
  acr?: string;
  amr?: string[];
  aud?: string;
}

/** One sign-in: what every token minted from it shares. */
export interface SignIn {
  user: ResolvedUser;
  scope: string;
  originJti: string;
  authTime: number;
  context?: SignInContext;
  /** When the original refresh token expires; rotated tokens live no longer. */
  expiresAt: number;
}

interface RefreshTokenState {
  signIn: SignIn;
  revoked: boolean;
  /** With rotation: when this token was replaced by a newer one. */
  rotatedAt: number | undefined;
}

/** Why a grant failed, as Cognito's `error` field. */
export class OAuthError extends Error {
  constructor(
    readonly error: "invalid_grant" | "invalid_client" | "invalid_request" | "unauthorized_client" | "unsupported_grant_type" | "invalid_scope",
    readonly status = 400,
  ) {
    super(error);
  }
}

export class Grants {
  private readonly codes = new Map<string, AuthorizationCode>();
  private readonly refreshTokens = new Map<string, RefreshTokenState>();
  private readonly revokedOrigins = new Set<string>();

  constructor(private readonly options: ResolvedOAuthOptions) {}

  issueCode(code: Omit<AuthorizationCode, "expiresAt">, now = Date.now()): string {
    const value = randomUUID();
    this.codes.set(value, { ...code, expiresAt: now + this.options.codeLifetimeSeconds * 1000 });
    return value;
  }

  /** Redeems a code (once, even when the redemption fails: a replayed code is dead). */
  redeemCode(value: string, redirectUri: string | null, codeVerifier: string | null, now = Date.now()): SignIn {
    const code = this.codes.get(value);
    this.codes.delete(value);
    if (code === undefined || code.expiresAt <= now) throw new OAuthError("invalid_grant");
    if (redirectUri !== code.redirectUri) throw new OAuthError("invalid_grant");
    if (code.codeChallenge !== undefined) {
      if (codeVerifier === null) throw new OAuthError("invalid_request");
      if (createHash("sha256").update(codeVerifier).digest("base64url") !== code.codeChallenge) throw new OAuthError("invalid_grant");
    }
    return {
      user: code.user,
      scope: code.scope,
      context: code.context,
      originJti: randomUUID(),
      authTime: Math.floor(now / 1000),
      expiresAt: now + this.options.refreshTokenLifetimeSeconds * 1000,
    };
  }

  nonceOf(value: string): string | undefined {
    return this.codes.get(value)?.nonce;
  }

  issueRefreshToken(signIn: SignIn): string {
    // Cognito's refresh tokens are encrypted JWTs (JWE, five parts); this one only looks like one.
    const value = Array.from({ length: 5 }, (_, i) => randomBytes(i === 0 ? 24 : 32).toString("base64url")).join(".");
    this.refreshTokens.set(value, { signIn, revoked: false, rotatedAt: undefined });
    return value;
  }

  /** The sign-in of a refresh token, and a new refresh token when rotation is on. */
  useRefreshToken(value: string, now = Date.now()): { signIn: SignIn; rotated: string | undefined } {
    const state = this.refreshTokens.get(value);
    if (state === undefined || state.revoked || state.signIn.expiresAt <= now || this.revokedOrigins.has(state.signIn.originJti)) {
      throw new OAuthError("invalid_grant");
    }
    const rotation = this.options.rotation;
    if (rotation === undefined) return { signIn: state.signIn, rotated: undefined };
    if (state.rotatedAt !== undefined && now - state.rotatedAt > rotation.retryGraceSeconds * 1000) throw new OAuthError("invalid_grant");
    state.rotatedAt ??= now;
    return { signIn: state.signIn, rotated: this.issueRefreshToken(state.signIn) };
  }

  /** RFC 7009: revoking an unknown token is not an error. Revokes the whole sign-in (its origin_jti). */
  revoke(value: string): void {
    const state = this.refreshTokens.get(value);
    if (state === undefined) return;
    state.revoked = true;
    this.revokedOrigins.add(state.signIn.originJti);
  }

  /** GlobalSignOut: every refresh token of the user, and so every sign-in, is revoked. */
  revokeUser(sub: string): number {
    let revoked = 0;
    for (const state of this.refreshTokens.values()) {
      if (state.signIn.user.sub !== sub || state.revoked) continue;
      state.revoked = true;
      this.revokedOrigins.add(state.signIn.originJti);
      revoked++;
    }
    return revoked;
  }

  isOriginRevoked(originJti: string): boolean {
    return this.revokedOrigins.has(originJti);
  }
}
