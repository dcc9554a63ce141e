// Step-up through the token handler (RFC 9470): /auth/login passes the API's
// acr_values / max_age on to Cognito's /oauth2/authorize (validated, nothing
// else), and the one sign-in lands back where the user was, with a token that
// meets the API's requirement. Real servers: the token handler on Express, the
// test issuer's OAuth endpoints, a real verifier.
import { requireAuthLevel, type AuthError } from "@cognito-bearer/core";
import { appsPerTest, claimsOf } from "./support";

const startApp = appsPerTest();
const MFA = "urn:example:mfa";
const needsMfa = requireAuthLevel({ acr: [MFA], maxAge: 300 });

test("a step-up sign-in asks Cognito for acr_values and max_age, returns to the page, and its token meets the requirement", async () => {
  const { browser, issuer, verifier, url } = await startApp();
  await browser.signIn();
  const weak = await verifier.verify(await browser.accessToken());
  let challenge = "";
  try {
    needsMfa(weak);
  } catch (err) {
    challenge = (err as AuthError).headers["WWW-Authenticate"];
  }
  expect(challenge).toContain(`acr_values="${MFA}", max_age="300"`);

  const login = await browser.request(`/auth/login?returnTo=${encodeURIComponent("/orders/42?tab=pay")}&acr_values=${encodeURIComponent(MFA)}&max_age=300`);
  expect(login.status).toBe(302);
  const authorize = new URL(login.headers.get("location")!);
  expect(authorize.searchParams.get("acr_values")).toBe(MFA);
  expect(authorize.searchParams.get("max_age")).toBe("300");
  const atIssuer = await browser.request(authorize.toString());
  expect(issuer.oauth!.lastAuthorize).toMatchObject({ acrValues: [MFA], maxAge: 300 });
  const callback = await browser.request(atIssuer.headers.get("location")!);
  // The callback's page navigates back to where the user was.
  expect(callback.status).toBe(200);
  expect(callback.text).toContain(`<meta http-equiv="refresh" content="0;url=${url}/orders/42?tab=pay">`);

  const strong = await browser.accessToken();
  expect(claimsOf(strong)).toMatchObject({ acr: MFA, amr: ["pwd", "otp"] });
  needsMfa(await verifier.verify(strong));
});

test("a sign-in without step-up parameters sends none to Cognito", async () => {
  const { browser } = await startApp();
  const login = await browser.request("/auth/login?returnTo=/");
  const authorize = new URL(login.headers.get("location")!);
  expect(authorize.searchParams.has("acr_values")).toBe(false);
  expect(authorize.searchParams.has("max_age")).toBe(false);
});

test.each([
  ["a quote", `acr_values=${encodeURIComponent('urn:x"')}`],
  ["an injected parameter", `acr_values=${encodeURIComponent("urn:x&prompt=none")}`],
  ["a second acr_values", "acr_values=a&acr_values=b"],
  ["too many values", `acr_values=${encodeURIComponent(Array.from({ length: 9 }, (_, i) => `a${i}`).join(" "))}`],
  ["a value too long", `acr_values=${"a".repeat(129)}`],
  ["an empty value", `acr_values=${encodeURIComponent("a  b")}`],
  ["a negative max_age", "max_age=-1"],
  ["a max_age in exponent form", "max_age=1e3"],
  ["a max_age beyond a year", "max_age=999999999"],
])("%s: 400 invalid_request, no redirect to Cognito, no sign-in cookie", async (_name, query) => {
  const { browser, issuer } = await startApp();
  const res = await browser.request(`/auth/login?returnTo=/&${query}`);
  expect(res.status).toBe(400);
  expect(res.json()).toMatchObject({ error: "invalid_request" });
  expect(res.headers.get("location")).toBeNull();
  expect(res.headers.getSetCookie()).toEqual([]);
  expect(issuer.oauth!.counters.authorize).toBe(0);
});
