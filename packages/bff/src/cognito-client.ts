// Calls to Cognito's OAuth endpoints (/oauth2/token, /oauth2/revoke), and what
// their failures mean for a session:
// - invalid_grant: the refresh token is dead (expired, revoked, rotated away):
//   the session is over and the SPA must sign in again;
// - invalid_client / unauthorized_client (and other 4xx): our configuration is
//   wrong: a 500 and a configuration event, never a mass sign-out;
// - unreachable, timed out, 5xx, 429, an unreadable answer: Cognito's fault,
//   a 503 and the session kept.

export interface CognitoEndpoints {
  tokenUrl: string;
  revokeUrl: string;
  clientId: string;
  clientSecret: string | undefined;
  timeoutMs: number;
  /** The token handler's `fetch` option (e.g. a traced one); undefined: the global fetch. */
  fetch: typeof fetch | undefined;
}

export interface TokenResponse {
  access_token: string;
  id_token: string;
  refresh_token?: string;
  expires_in: number;
  token_type: string;
}

export type CognitoFailureKind = "invalid_grant" | "misconfigured" | "unavailable";

export class CognitoFailure extends Error {
  override readonly name = "CognitoFailure";
  constructor(
    readonly kind: CognitoFailureKind,
    /** A short, safe description: a status, Cognito's error code or a network error's code; never a token. */
    readonly detail: string,
    /** Seconds from Cognito's Retry-After, when it sent one. */
    readonly retryAfter?: number,
  ) {
    super(`Cognito ${kind}: ${detail}`);
  }
}

export class CognitoClient {
  constructor(private readonly endpoints: CognitoEndpoints) {}

  exchangeCode(code: string, redirectUri: string, codeVerifier: string): Promise<TokenResponse> {
    return this.token({ grant_type: "authorization_code", code, redirect_uri: redirectUri, code_verifier: codeVerifier });
  }

  refresh(refreshToken: string): Promise<TokenResponse> {
    return this.token({ grant_type: "refresh_token", refresh_token: refreshToken });
  }

  /** RFC 7009 revocation of a refresh token (and, at Cognito, of its whole sign-in). */
  async revoke(refreshToken: string): Promise<void> {
    await this.post(this.endpoints.revokeUrl, { token: refreshToken });
  }

  private async token(form: Record<string, string>): Promise<TokenResponse> {
    const body = await this.post(this.endpoints.tokenUrl, form);
    const tokens = body as Partial<TokenResponse> | undefined;
    if (typeof tokens?.access_token !== "string" || typeof tokens.id_token !== "string" || typeof tokens.expires_in !== "number") {
      throw new CognitoFailure("unavailable", "the token endpoint's answer has no tokens");
    }
    return tokens as TokenResponse;
  }

  private async post(url: string, form: Record<string, string>): Promise<unknown> {
    const { clientId, clientSecret, timeoutMs } = this.endpoints;
    const headers: Record<string, string> = { "content-type": "application/x-www-form-urlencoded", accept: "application/json" };
    const params = new URLSearchParams(form);
    if (clientSecret === undefined) params.set("client_id", clientId);
    else headers.authorization = `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`).toString("base64")}`;
    let res: Response;
    let text: string;
    try {
      res = await (this.endpoints.fetch ?? fetch)(url, { method: "POST", headers, body: params, redirect: "manual", signal: AbortSignal.timeout(timeoutMs) });
      text = await res.text();
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).name;
      throw new CognitoFailure("unavailable", `${new URL(url).pathname} unreachable (${cause})`);
    }
    if (res.status >= 500 || res.status === 429) {
      const retryAfter = Number(res.headers.get("retry-after"));
      throw new CognitoFailure("unavailable", `${new URL(url).pathname} answered ${res.status}`, Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : undefined);
    }
    let body: unknown;
    try {
      body = text === "" ? undefined : JSON.parse(text);
    } catch {
      throw new CognitoFailure("unavailable", `${new URL(url).pathname} answered ${res.status} with a body that is not JSON`);
    }
    if (res.status === 200) return body;
    const error = typeof (body as { error?: unknown })?.error === "string" ? (body as { error: string }).error : `status ${res.status}`;
    if (error === "invalid_grant") throw new CognitoFailure("invalid_grant", error);
    if (res.status >= 400 && res.status < 500) throw new CognitoFailure("misconfigured", error);
    throw new CognitoFailure("unavailable", `${new URL(url).pathname} answered ${res.status}`);
  }
}
