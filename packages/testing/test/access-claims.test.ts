// mintAccessToken()'s claims: `groups` and `scopes` as test users take them,
// and unknown keys refused with the claim probably meant (an ignored `groups`
// would mint a token that then gets a 403 the test did not ask for).
import { createVerifier, requireAuthLevel } from "@cognito-bearer/core";
import { createTestIssuer, type TestIssuer } from "../src/index.js";
import { decodeJwt } from "./helpers.js";

let issuer: TestIssuer;
beforeAll(async () => {
  issuer = await createTestIssuer();
});
afterAll(() => issuer.close());

test("groups and scopes become cognito:groups and scope, and pass a verifier that requires them", async () => {
  const token = issuer.mintAccessToken({ groups: ["admin", "staff"], scopes: ["orders/read", "orders/write"] });
  const { payload } = decodeJwt(token);
  expect(payload["cognito:groups"]).toEqual(["admin", "staff"]);
  expect(payload.scope).toBe("orders/read orders/write");
  expect(payload).not.toHaveProperty("groups");
  expect(payload).not.toHaveProperty("scopes");
  const verifier = createVerifier({ ...issuer.verifierOptions, groups: "admin", scopes: "orders/write" });
  try {
    await expect(verifier.verify(token)).resolves.toMatchObject({ groups: ["admin", "staff"], scopes: ["orders/read", "orders/write"] });
  } finally {
    verifier.close();
  }
});

test("groups: undefined mints no cognito:groups; Cognito's claim names and namespaced claims of your own pass", () => {
  expect(decodeJwt(issuer.mintAccessToken({ groups: undefined })).payload).not.toHaveProperty("cognito:groups");
  const { payload } = decodeJwt(issuer.mintAccessToken({ "cognito:groups": ["g"], nbf: 1, "custom:tenant": "t", "https://example.com/roles": ["r"] }));
  expect([payload["cognito:groups"], payload.nbf, payload["custom:tenant"], payload["https://example.com/roles"]]).toEqual([["g"], 1, "t", ["r"]]);
});

test("acr and amr (RFC 9470 step-up) pass, and satisfy core's requireAuthLevel()", async () => {
  const token = issuer.mintAccessToken({ acr: "urn:example:mfa", amr: ["pwd", "otp"] });
  expect(decodeJwt(token).payload).toMatchObject({ acr: "urn:example:mfa", amr: ["pwd", "otp"] });
  const verifier = createVerifier(issuer.verifierOptions);
  try {
    const auth = await verifier.verify(token);
    expect(() => requireAuthLevel({ acr: ["urn:example:mfa"], maxAge: 300 })(auth)).not.toThrow();
    expect(() => requireAuthLevel({ acr: ["urn:example:hardware-key"] })(auth)).toThrow();
  } finally {
    verifier.close();
  }
});

test.each([
  [{ group: ["admin"] }, 'mintAccessToken: unknown claim "group" (did you mean "groups"?)'],
  [{ Scopes: ["a"] }, 'mintAccessToken: unknown claim "Scopes" (did you mean "scopes"?)'],
  [{ clientId: "c" }, 'mintAccessToken: unknown claim "clientId" (did you mean "client_id"?)'],
  [{ "cognito:group": ["admin"] }, 'mintAccessToken: unknown claim "cognito:group" (did you mean "cognito:groups"?)'],
  [{ tenant: "t" }, 'mintAccessToken: unknown claim "tenant" (a claim of your own needs a namespaced name, such as "custom:tenant")'],
  [{ groups: "admin" }, 'mintAccessToken: "groups" must be an array of strings'],
  [{ groups: ["a"], "cognito:groups": ["b"] }, 'mintAccessToken: "groups" and "cognito:groups" both given; pass one'],
])("refuses %j", (claims, message) => {
  expect(() => issuer.mintAccessToken(claims as Record<string, unknown>)).toThrow(new TypeError(message));
});
