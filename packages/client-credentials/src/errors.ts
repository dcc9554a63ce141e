// What can go wrong when asking Cognito for a token, as one error class with a
// machine-readable `code`. Messages name the OAuth error, the client id and the
// token endpoint, never the client secret or a token: they end up in logs.

/** Cognito's OAuth error codes (RFC 6749 §5.2) that the token endpoint answers with. */
export type OAuthErrorCode = "invalid_request" | "invalid_client" | "invalid_grant" | "unauthorized_client" | "unsupported_grant_type" | "invalid_scope";

export type ClientCredentialsErrorCode =
  | OAuthErrorCode
  /** 5xx, 429, a network error or a timeout, still so after every retry. */
  | "temporarily_unavailable"
  /** A 200 that is not a token response (HTML from a proxy, malformed JSON, no access_token), still so after every retry. */
  | "invalid_response"
  /** Another status (a 403 from a firewall, a 404 for a wrong domain): not retried. */
  | "unexpected_status";

const HINTS: Partial<Record<ClientCredentialsErrorCode, string>> = {
  invalid_client: "the client id or secret is wrong (or the app client has no secret)",
  unauthorized_client: "the app client is not allowed the client_credentials grant (Cognito: a machine-to-machine app client)",
  invalid_scope: "a scope is not one of the app client's resource-server scopes",
  unsupported_grant_type: "the endpoint does not offer the client_credentials grant",
  invalid_request: "the token request was malformed",
  invalid_grant: "the grant was refused",
};

export class ClientCredentialsError extends Error {
  override readonly name = "ClientCredentialsError";
  constructor(
    readonly code: ClientCredentialsErrorCode,
    message: string,
    /** The token endpoint's HTTP status, when it answered. */
    readonly status: number | undefined,
    /** Token requests made before giving up. */
    readonly attempts: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  /** A configuration error (wrong secret, scope, grant): retrying will not help until the configuration changes. */
  get isConfigurationError(): boolean {
    return this.code !== "temporarily_unavailable" && this.code !== "invalid_response";
  }
}

/** The error for an OAuth error answer: names the code and what usually causes it. */
export function oauthError(code: OAuthErrorCode, status: number, clientId: string, endpoint: string): ClientCredentialsError {
  const hint = HINTS[code];
  return new ClientCredentialsError(code, `cognito-bearer: ${endpoint} refused client "${clientId}": ${code}${hint ? ` (${hint})` : ""}`, status, 1);
}

/** The error of every invalid option, thrown by createClientCredentials(), never at the first request. */
export class OptionsError extends TypeError {
  override readonly name = "OptionsError";
  constructor(message: string) {
    super(`cognito-bearer: ${message}`);
  }
}
