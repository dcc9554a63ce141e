// The test issuer's /oauth2/authorize honours RFC 9470 step-up (acr_values,
// max_age) and RFC 8707 resource: it records them, and the sign-in's access
// tokens (refreshes included) carry acr, amr, a fresh auth_time and aud, which
// a real verifier and requireAuthLevel accept.
import { createHash, randomBytes } from "node:crypto";
import { createVerifier, requireAuthLevel } from "@cognito-bearer/core";
import { createTestIssuer, type TestIssuer } from "@cognito-bearer/testing";

const CALLBACK = "https://app.example/auth/callback";
let issuer: TestIssuer;
beforeEach(async () => {
  issuer = await createTestIssuer({ oauth: { redirectUris: [CALLBACK], users: [{ username: "alice" }] } });
});
afterEach(() => issuer.close());

const payload = (jwt: string) => JSON.parse(Buffer.from(jwt.split(".")[1], "base64url").toString()) as Record<string, unknown>;

async function signIn(params: Record<string, string>): Promise<{ status: number; location: URL | undefined; tokens?: Record<string, string> }> {
  const verifier = randomBytes(32).toString("base64url");
  const url = new URL(issuer.oauth!.authorizeUrl);
  const all = {
    response_type: "code",
    client_id: issuer.clientId,
    redirect_uri: CALLBACK,
    state: "s1",
    scope: "openid",
    code_challenge: createHash("sha256").update(verifier).digest("base64url"),
    code_challenge_method: "S256",
    ...params,
  };
  for (const [name, value] of Object.entries(all)) url.searchParams.set(name, value);
  const res = await fetch(url, { redirect: "manual" });
  const location = res.headers.get("location") ? new URL(res.headers.get("location")!) : undefined;
  const code = location?.searchParams.get("code");
  if (code === null || code === undefined) return { status: res.status, location };
  const tokens = await fetch(issuer.oauth!.tokenUrl, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ grant_type: "authorization_code", client_id: issuer.clientId, code, redirect_uri: CALLBACK, code_verifier: verifier }),
  }).then((r) => r.json() as Promise<Record<string, string>>);
  return { status: res.status, location, tokens };
}

test("acr_values and max_age are recorded, and the tokens carry acr, amr and a fresh auth_time", async () => {
  const { tokens } = await signIn({ acr_values: "urn:example:mfa urn:example:pwd", max_age: "0" });
  expect(issuer.oauth!.lastAuthorize).toEqual({ acrValues: ["urn:example:mfa", "urn:example:pwd"], maxAge: 0, resource: undefined, redirectUri: CALLBACK });
  const claims = payload(tokens!.access_token);
  expect(claims).toMatchObject({ acr: "urn:example:mfa", amr: ["pwd", "otp"], username: "alice" });
  expect(Math.abs((claims.auth_time as number) - Date.now() / 1000)).toBeLessThan(5);
  const verifier = createVerifier(issuer.verifierOptions);
  try {
    requireAuthLevel({ acr: "urn:example:mfa", maxAge: 60 })(await verifier.verify(tokens!.access_token));
    // A refresh keeps the sign-in's context (its acr and auth_time).
    const refreshed = await fetch(issuer.oauth!.tokenUrl, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ grant_type: "refresh_token", client_id: issuer.clientId, refresh_token: tokens!.refresh_token }),
    }).then((r) => r.json() as Promise<Record<string, string>>);
    expect(payload(refreshed.access_token)).toMatchObject({ acr: "urn:example:mfa", auth_time: claims.auth_time });
  } finally {
    verifier.close();
  }
});

test("a plain sign-in has no acr or amr; resource becomes aud", async () => {
  const plain = payload((await signIn({})).tokens!.access_token);
  expect(plain.acr).toBeUndefined();
  expect(plain.amr).toBeUndefined();
  expect(plain.aud).toBeUndefined();
  const bound = payload((await signIn({ resource: "https://orders.example.com" })).tokens!.access_token);
  expect(bound.aud).toBe("https://orders.example.com");
  expect(issuer.oauth!.lastAuthorize?.resource).toBe("https://orders.example.com");
});

test("a max_age that is not a number of seconds is an invalid_request back to the app", async () => {
  const { status, location } = await signIn({ max_age: "-1" });
  expect(status).toBe(302);
  expect(location!.searchParams.get("error")).toBe("invalid_request");
});
