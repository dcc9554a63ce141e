import { randomUUID } from "node:crypto";
import { applyOverrides } from "./overrides.js";

export type ClaimOverrides = Record<string, unknown>;

export interface TokenContext {
  readonly issuer: string;
  readonly clientId: string;
}

export const DEFAULT_USERNAME = "test-user";
export const DEFAULT_EMAIL = "test-user@example.com";
export const DEFAULT_SCOPE = "openid email profile";
export const DEFAULT_EXPIRES_IN_SECONDS = 3600;

interface Times {
  iat: number;
  exp: number;
}

// An overridden `iat` moves the default `exp` with it, so a token "issued an
// hour ago" is still valid for expiresInSeconds from then unless exp is given.
function times(overrides: ClaimOverrides | undefined, expiresInSeconds: number): Times {
  if (!Number.isFinite(expiresInSeconds)) {
    throw new TypeError(`expiresInSeconds must be a finite number, got ${String(expiresInSeconds)}`);
  }
  const iatOverride = overrides?.iat;
  const iat = typeof iatOverride === "number" ? iatOverride : Math.floor(Date.now() / 1000);
  return { iat, exp: iat + Math.trunc(expiresInSeconds) };
}

/** Claims of a Cognito access token, in the order Cognito emits them. */
export function accessTokenClaims(
  context: TokenContext,
  overrides: ClaimOverrides | undefined,
  expiresInSeconds: number,
): Record<string, unknown> {
  const { iat, exp } = times(overrides, expiresInSeconds);
  // Cognito only emits cognito:groups for users who are in a group; reserving
  // its slot here keeps Cognito's position when an override fills it.
  const groupsSlot = overrides && "cognito:groups" in overrides ? { "cognito:groups": undefined } : {};
  return applyOverrides(
    {
      sub: randomUUID(),
      ...groupsSlot,
      iss: context.issuer,
      version: 2,
      client_id: context.clientId,
      origin_jti: randomUUID(),
      event_id: randomUUID(),
      token_use: "access",
      scope: DEFAULT_SCOPE,
      auth_time: iat,
      exp,
      iat,
      jti: randomUUID(),
      username: DEFAULT_USERNAME,
    },
    overrides,
  );
}

/** Claims of a Cognito ID token, in the order Cognito emits them. */
export function idTokenClaims(
  context: TokenContext,
  overrides: ClaimOverrides | undefined,
  expiresInSeconds: number,
): Record<string, unknown> {
  const { iat, exp } = times(overrides, expiresInSeconds);
  const groupsSlot = overrides && "cognito:groups" in overrides ? { "cognito:groups": undefined } : {};
  return applyOverrides(
    {
      sub: randomUUID(),
      ...groupsSlot,
      email_verified: true,
      iss: context.issuer,
      "cognito:username": DEFAULT_USERNAME,
      origin_jti: randomUUID(),
      aud: context.clientId,
      event_id: randomUUID(),
      token_use: "id",
      auth_time: iat,
      exp,
      iat,
      jti: randomUUID(),
      email: DEFAULT_EMAIL,
    },
    overrides,
  );
}
