// Scope and group requirements: verifier-level options and the route-level
// requireScopes / requireGroups checks every adapter wraps.
import { AuthError, requireGroups, requireScopes, type CognitoAuth, type Requirement } from "@cognito-bearer/core";
import type { TestIssuer } from "@cognito-bearer/testing";
import { expectRejected, fixtures } from "./helpers";

const t = fixtures();
let issuer: TestIssuer;
beforeAll(async () => {
  issuer = await t.issuer();
});

const SCOPE_403 = { status: 403, code: "insufficient_scope", reason: "insufficient_scope" } as const;
const GROUP_403 = { status: 403, code: "insufficient_scope", reason: "insufficient_group" } as const;

function token(scope: string, groups?: string[]): string {
  return issuer.mintAccessToken(groups === undefined ? { scope } : { scope, "cognito:groups": groups });
}

function scopeAttribute(err: AuthError): string | undefined {
  return /, scope="([^"]*)"$/.exec(err.headers["WWW-Authenticate"])?.[1];
}

describe("verifier-level scopes", () => {
  const cases: [string, Requirement, string, boolean][] = [
    ["a string: that scope", "orders/read", "openid orders/read", true],
    ["a string: missing", "orders/read", "openid orders/write", false],
    ["a string is not a prefix match", "orders/read", "orders/readwrite orders", false],
    ["an array: all of them", ["orders/read", "orders/write"], "orders/write orders/read", true],
    ["an array: one missing", ["orders/read", "orders/write"], "orders/read", false],
    ["anyOf: one is enough", { anyOf: ["orders/read", "orders/admin"] }, "orders/admin", true],
    ["anyOf: none", { anyOf: ["orders/read", "orders/admin"] }, "profile", false],
    ["allOf: all", { allOf: ["a", "b"] }, "a b c", true],
    ["allOf: one missing", { allOf: ["a", "b"] }, "a c", false],
  ];

  test.each(cases)("%s", async (_name, scopes, scope, accepted) => {
    const verifier = t.verifier({ ...issuer.verifierOptions, scopes });
    const promise = verifier.verify(token(scope));
    if (accepted) {
      await expect(promise).resolves.toMatchObject({ scopes: scope.split(" ") });
    } else {
      const err = await expectRejected(promise, SCOPE_403);
      const names = typeof scopes === "string" ? [scopes] : Array.isArray(scopes) ? scopes : Object.values(scopes)[0];
      expect(scopeAttribute(err)).toBe(names.join(" "));
    }
  });

  test("a token without any scope is refused", async () => {
    const verifier = t.verifier({ ...issuer.verifierOptions, scopes: "orders/read" });
    await expectRejected(verifier.verify(issuer.mintAccessToken({ scope: undefined })), SCOPE_403);
  });

  test("the 403 challenge names the verifier's realm", async () => {
    const verifier = t.verifier({ ...issuer.verifierOptions, scopes: "orders/read", realm: "orders" });
    const err = await expectRejected(verifier.verify(token("profile")), SCOPE_403);
    expect(err.headers["WWW-Authenticate"]).toBe(
      `Bearer realm="orders", error="insufficient_scope", error_description="${err.message}", scope="orders/read"`,
    );
  });
});

describe("verifier-level groups", () => {
  const cases: [string, Requirement, string[] | undefined, boolean][] = [
    ["a string: in that group", "admin", ["admin"], true],
    ["a string: not in it", "admin", ["support"], false],
    ["a string: no groups at all", "admin", undefined, false],
    ["an array: any one of them", ["admin", "support"], ["support"], true],
    ["an array: none of them", ["admin", "support"], ["sales"], false],
    ["anyOf", { anyOf: ["admin", "support"] }, ["admin"], true],
    ["allOf: all", { allOf: ["admin", "support"] }, ["support", "admin", "x"], true],
    ["allOf: one missing", { allOf: ["admin", "support"] }, ["admin"], false],
    ["group names are case-sensitive", "Admin", ["admin"], false],
  ];

  test.each(cases)("%s", async (_name, groups, held, accepted) => {
    const verifier = t.verifier({ ...issuer.verifierOptions, groups });
    const promise = verifier.verify(token("openid", held));
    if (accepted) {
      await expect(promise).resolves.toMatchObject({ groups: held });
    } else {
      const err = await expectRejected(promise, GROUP_403);
      // A group requirement has no OAuth scope to name.
      expect(scopeAttribute(err)).toBeUndefined();
    }
  });

  test("scopes and groups together: both must hold", async () => {
    const verifier = t.verifier({ ...issuer.verifierOptions, scopes: "orders/read", groups: "admin" });
    await expect(verifier.verify(token("orders/read", ["admin"]))).resolves.toBeDefined();
    await expectRejected(verifier.verify(token("orders/read", ["support"])), GROUP_403);
    await expectRejected(verifier.verify(token("profile", ["admin"])), SCOPE_403);
  });
});

describe("requireScopes / requireGroups", () => {
  let auth: CognitoAuth;
  let realmAuth: CognitoAuth;
  beforeAll(async () => {
    auth = await t.verifier(issuer.verifierOptions).verify(token("orders/read profile", ["support"]));
    realmAuth = await t.verifier({ ...issuer.verifierOptions, realm: "orders" }).verify(token("profile", ["support"]));
  });

  function check(run: () => void): AuthError | undefined {
    try {
      run();
      return undefined;
    } catch (err) {
      expect(err).toBeInstanceOf(AuthError);
      return err as AuthError;
    }
  }

  test.each([
    ["one scope held", requireScopes("orders/read"), true],
    ["one scope missing", requireScopes("orders/write"), false],
    ["several arguments: all", requireScopes("orders/read", "profile"), true],
    ["several arguments: one missing", requireScopes("orders/read", "orders/write"), false],
    ["an array: all", requireScopes(["orders/read", "orders/write"]), false],
    ["anyOf", requireScopes({ anyOf: ["orders/write", "profile"] }), true],
    ["allOf", requireScopes({ allOf: ["orders/read", "profile"] }), true],
  ])("requireScopes: %s", (_name, checkScopes, passes) => {
    const err = check(() => checkScopes(auth));
    if (passes) {
      expect(err).toBeUndefined();
    } else {
      expect({ status: err?.status, code: err?.code, reason: err?.reason }).toEqual(SCOPE_403);
      expect(scopeAttribute(err!)).toMatch(/^orders\/(read|write)/);
    }
  });

  test("requireScopes puts every required scope in the scope attribute", () => {
    const err = check(() => requireScopes("orders/read", "orders/write")(auth))!;
    expect(scopeAttribute(err)).toBe("orders/read orders/write");
    expect(err.message).toContain("orders/read orders/write");
  });

  test.each([
    ["one group held", requireGroups("support"), true],
    ["one group missing", requireGroups("admin"), false],
    ["several arguments: any", requireGroups("admin", "support"), true],
    ["an array: any", requireGroups(["admin", "sales"]), false],
    ["allOf: one missing", requireGroups({ allOf: ["admin", "support"] }), false],
  ])("requireGroups: %s", (_name, checkGroups, passes) => {
    const err = check(() => checkGroups(auth));
    if (passes) expect(err).toBeUndefined();
    else expect({ status: err?.status, code: err?.code, reason: err?.reason }).toEqual(GROUP_403);
  });

  test.each([
    ["requireScopes", requireScopes("orders/read")],
    ["requireGroups", requireGroups("admin")],
  ])("%s without auth is 401 with no error code", (_name, run) => {
    const err = check(() => run(undefined))!;
    expect({ status: err.status, code: err.code, reason: err.reason }).toEqual({ status: 401, code: null, reason: "missing_credentials" });
    expect(err.headers["WWW-Authenticate"]).toBe('Bearer realm="api"');
  });

  test("the challenge realm follows the verifier that made the auth, or the one given", () => {
    expect(check(() => requireScopes("admin")(realmAuth))!.headers["WWW-Authenticate"]).toMatch(/^Bearer realm="orders", /);
    expect(check(() => requireGroups("admin")(auth, "shop"))!.headers["WWW-Authenticate"]).toMatch(/^Bearer realm="shop", /);
    expect(check(() => requireScopes("admin")(undefined, "shop"))!.headers["WWW-Authenticate"]).toBe('Bearer realm="shop"');
  });

  test("invalid requirements fail when the check is made, not per request", () => {
    expect(() => requireScopes()).toThrow(/requireScopes must name at least one scope/);
    expect(() => requireScopes("")).toThrow(/requireScopes/);
    expect(() => requireScopes("a b")).toThrow(/requireScopes/);
    expect(() => requireGroups({ anyOf: [] })).toThrow(/requireGroups must name at least one group/);
  });
});
