// The WWW-Authenticate challenge (RFC 6750 §3) and the 503 Retry-After.
import { AuthError, errorResponse, formatBearerChallenge, RETRY_AFTER_SECONDS, type RejectReason } from "@cognito-bearer/core";

/**
 * Parses `Bearer k="v", k="v"` strictly (RFC 9110 auth-params with quoted-string
 * values); returns undefined when the value is not exactly that shape.
 */
function parseChallenge(header: string): Record<string, string> | undefined {
  const match = /^Bearer ((?:[a-z_]+="(?:[^"\\\x00-\x1f\x7f]|\\[\x20-\x7e])*"(?:, (?!$)|$))+)$/.exec(header);
  if (!match) return undefined;
  const params: Record<string, string> = {};
  for (const [, key, value] of match[1].matchAll(/([a-z_]+)="((?:[^"\\]|\\.)*)"/g)) {
    if (key in params) return undefined;
    params[key] = value.replace(/\\(.)/g, "$1");
  }
  return params;
}

describe("formatBearerChallenge", () => {
  test("realm only", () => {
    expect(formatBearerChallenge({ realm: "api" })).toBe('Bearer realm="api"');
  });

  test("every attribute, in RFC 6750 order", () => {
    expect(formatBearerChallenge({ realm: "api", error: "insufficient_scope", errorDescription: "Needs a scope", scope: "a b" })).toBe(
      'Bearer realm="api", error="insufficient_scope", error_description="Needs a scope", scope="a b"',
    );
  });

  test("quotes and backslashes are escaped and round-trip", () => {
    const header = formatBearerChallenge({ realm: 'r"e\\alm', errorDescription: 'say "hi" \\ bye' });
    expect(header).toBe('Bearer realm="r\\"e\\\\alm", error_description="say \\"hi\\" \\\\ bye"');
    expect(parseChallenge(header)).toEqual({ realm: 'r"e\\alm', error_description: 'say "hi" \\ bye' });
  });

  test.each([
    ["a quote and a fake attribute", 'x", error="invalid_token'],
    ["a trailing backslash", "x\\"],
    ["a backslash before the closing quote", 'x\\"'],
    ["CR LF and a header", "x\r\nSet-Cookie: session=1"],
    ["a lone LF", "x\nX-Evil: 1"],
    ["a lone CR", "x\rX-Evil: 1"],
    ["NUL and controls", "x\u0000\u0007\u001b[31m"],
    ["DEL", "x\u007f"],
    ["non-ASCII", "naïve — ✓ \u2028\u2029"],
    ["an obs-fold", "x\r\n continued"],
  ])("%s cannot break out of the quoted-string", (_name, value) => {
    const header = formatBearerChallenge({ realm: "api", error: "invalid_token", errorDescription: value, scope: value });
    expect(header).toMatch(/^[\x20-\x7e]*$/);
    const params = parseChallenge(header);
    expect(params).toBeDefined();
    expect(Object.keys(params!)).toEqual(["realm", "error", "error_description", "scope"]);
    expect(params!.realm).toBe("api");
    expect(params!.error).toBe("invalid_token");
  });
});

describe("AuthError headers and bodies", () => {
  const cases: [RejectReason, number, string | null][] = [
    ["missing_credentials", 401, null],
    ["malformed_credentials", 400, "invalid_request"],
    ["invalid_signature", 401, "invalid_token"],
    ["expired", 401, "invalid_token"],
    ["insufficient_scope", 403, "insufficient_scope"],
    ["insufficient_group", 403, "insufficient_scope"],
  ];

  test.each(cases)("%s: %d with a well-formed challenge", (reason, status, code) => {
    const err = new AuthError(reason, { realm: "orders" });
    expect(err.status).toBe(status);
    expect(err.code).toBe(code);
    const params = parseChallenge(err.headers["WWW-Authenticate"]);
    if (code === null) {
      expect(params).toEqual({ realm: "orders" });
    } else {
      expect(params).toEqual({ realm: "orders", error: code, error_description: err.message });
    }
    expect(err.headers["Retry-After"]).toBeUndefined();
    expect(err.body).toEqual({ error: code ?? "unauthorized", error_description: err.message });
  });

  test("the default realm is api", () => {
    expect(new AuthError("expired").headers["WWW-Authenticate"]).toMatch(/^Bearer realm="api", /);
  });

  test("insufficient_scope carries the scope attribute", () => {
    const err = new AuthError("insufficient_scope", { scope: "orders/read orders/write" });
    expect(parseChallenge(err.headers["WWW-Authenticate"])).toMatchObject({ error: "insufficient_scope", scope: "orders/read orders/write" });
  });

  test.each(["jwks_unavailable", "revocation_check_failed"] as const)("%s: 503 with Retry-After and no challenge", (reason) => {
    const err = new AuthError(reason);
    expect(err.status).toBe(503);
    expect(err.code).toBe("temporarily_unavailable");
    expect(err.headers).toEqual({ "Retry-After": String(RETRY_AFTER_SECONDS) });
    expect(Number(err.headers["Retry-After"])).toBeGreaterThan(0);
    expect(err.body.error).toBe("temporarily_unavailable");
  });

  test("a hostile description stays inside its quoted-string", () => {
    const err = new AuthError("invalid_claims", { description: 'bad"\r\nSet-Cookie: a=1' });
    const header = err.headers["WWW-Authenticate"];
    expect(header).not.toMatch(/[\r\n]/);
    expect(parseChallenge(header)).toMatchObject({ error: "invalid_token" });
  });

  test("errorResponse gives the status, headers and JSON body; JSON.stringify(err) is the body", () => {
    const err = new AuthError("expired", { realm: "api" });
    const response = errorResponse(err);
    expect(response.status).toBe(401);
    expect(response.headers).toEqual({ ...err.headers, "Content-Type": "application/json; charset=utf-8" });
    expect(JSON.parse(response.body)).toEqual({ error: "invalid_token", error_description: "The access token has expired" });
    expect(JSON.parse(JSON.stringify(err))).toEqual(JSON.parse(response.body));
    expect(err.expose).toBe(true);
    expect(err).toBeInstanceOf(Error);
    expect(err.name).toBe("AuthError");
  });

  test("errorResponse of a 503 has Retry-After", () => {
    const response = errorResponse(new AuthError("jwks_unavailable"));
    expect(response.status).toBe(503);
    expect(response.headers["Retry-After"]).toBe(String(RETRY_AFTER_SECONDS));
    expect(JSON.parse(response.body).error).toBe("temporarily_unavailable");
  });
});
