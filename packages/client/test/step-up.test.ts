// createAuthFetch and an API's RFC 9470 step-up challenge, on real servers: an
// API behind requireAuthLevel, tokens from the test issuer.
// The 401 insufficient_user_authentication is returned (no refresh, no retry),
// one sign-in starts with the challenge's acr_values / max_age back to this page,
// and a challenge carrying anything outside the bounds starts none. The API is
// node:http with withCognitoAuth (the same answers as every adapter).
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { requireAuthLevel, withCognitoAuth } from "@cognito-bearer/node";
import { createTestIssuer, type TestIssuer } from "@cognito-bearer/testing";
import { createAuthFetch, stepUpChallengeOf, type AuthFetch, type StepUpChallenge } from "@cognito-bearer/client";

const MFA = "urn:example:mfa";
let issuer: TestIssuer;
let server: Server;
let base: string;
let token: string;
let refreshes = 0;
const open: AuthFetch[] = [];

beforeAll(async () => {
  issuer = await createTestIssuer();
  const needsMfa = requireAuthLevel({ acr: [MFA], maxAge: 300 });
  const api = withCognitoAuth(issuer.verifierOptions, (_req, res, auth) => {
    needsMfa(auth);
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ ok: true }));
  });
  server = createServer((req, res) => {
    if (req.url === "/api/hostile") {
      res
        .writeHead(401, { "www-authenticate": 'Bearer error="insufficient_user_authentication", acr_values="x&prompt=none"', "content-type": "application/json" })
        .end(JSON.stringify({ error: "insufficient_user_authentication" }));
      return;
    }
    api(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  afterAllClose.push(() => api.verifier.close());
});
const afterAllClose: Array<() => void> = [];
afterEach(() => {
  for (const api of open.splice(0)) api.close();
  delete (globalThis as { location?: unknown }).location;
});
afterAll(async () => {
  for (const close of afterAllClose) close();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await issuer.close();
});

function client(onStepUp?: (challenge: StepUpChallenge) => void): AuthFetch {
  refreshes = 0;
  const api = createAuthFetch({
    apiOrigins: [base],
    refresh: async () => {
      refreshes++;
      return { accessToken: token, expiresIn: 3600 };
    },
    channelName: `step-up-${Math.random()}`,
    ...(onStepUp ? { onStepUp } : {}),
  });
  open.push(api);
  return api;
}

test("the challenge is returned without a refresh; one sign-in starts for concurrent calls, with the API's parameters", async () => {
  token = issuer.mintAccessToken();
  const challenges: StepUpChallenge[] = [];
  const api = client((challenge) => challenges.push(challenge));
  const answers = await Promise.all([api(`${base}/api/transfer`), api(`${base}/api/transfer`), api(`${base}/api/transfer`)]);
  for (const res of answers) {
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: "insufficient_user_authentication" });
  }
  expect(challenges).toEqual([{ acrValues: [MFA], maxAge: 300 }]);
  // A step-up is not an expired token: one token fetch, no refresh after the 401s.
  expect(refreshes).toBe(1);
});

test("by default, the page goes to the token handler's sign-in with acr_values, max_age and returnTo", async () => {
  token = issuer.mintAccessToken();
  const assigned: string[] = [];
  (globalThis as { location?: unknown }).location = {
    href: "https://app.example/orders/42?tab=pay#top",
    pathname: "/orders/42",
    search: "?tab=pay",
    hash: "#top",
    assign: (url: string) => assigned.push(url),
  };
  const api = client();
  expect((await api(`${base}/api/transfer`)).status).toBe(401);
  expect(assigned).toHaveLength(1);
  const url = new URL(assigned[0]);
  expect(`${url.origin}${url.pathname}`).toBe("https://app.example/auth/login");
  expect(Object.fromEntries(url.searchParams)).toEqual({ returnTo: "/orders/42?tab=pay#top", acr_values: MFA, max_age: "300" });
});

test("after the step-up, the stronger token passes", async () => {
  token = issuer.mintAccessToken({ acr: MFA, amr: ["pwd", "otp"] });
  const challenges: StepUpChallenge[] = [];
  const api = client((challenge) => challenges.push(challenge));
  const res = await api(`${base}/api/transfer`);
  expect(res.status).toBe(200);
  expect(challenges).toEqual([]);
});

test("a challenge with values outside the bounds starts no sign-in", async () => {
  token = issuer.mintAccessToken();
  const challenges: StepUpChallenge[] = [];
  const api = client((challenge) => challenges.push(challenge));
  expect((await api(`${base}/api/hostile`)).status).toBe(401);
  expect(challenges).toEqual([]);
  expect(stepUpChallengeOf('Bearer error="insufficient_user_authentication", max_age="1e3"')).toBeUndefined();
  expect(stepUpChallengeOf('Bearer error="invalid_token", error_description="acr_values=\\"x\\""')).toBeUndefined();
  expect(stepUpChallengeOf('Bearer realm="api", error="insufficient_user_authentication", error_description="a, b", max_age="0"')).toEqual({ maxAge: 0 });
});
