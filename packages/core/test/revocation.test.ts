// The revocation hook (isRevoked): applied on every request, cached token or
// not; its failure is a 503, never a 401.
import type { CognitoAuth } from "@cognito-bearer/core";
import type { TestIssuer } from "@cognito-bearer/testing";
import { expectRejected, fixtures, INVALID_TOKEN, recorder } from "./helpers";

const t = fixtures();
let issuer: TestIssuer;
beforeAll(async () => {
  issuer = await t.issuer();
});

const CHECK_FAILED = { status: 503, code: "temporarily_unavailable", reason: "revocation_check_failed" } as const;

test("is called with the auth object on every verification, including cache hits", async () => {
  const seen: CognitoAuth[] = [];
  const events = recorder();
  const verifier = t.verifier({
    ...issuer.verifierOptions,
    onEvent: events.onEvent,
    isRevoked: (auth) => {
      seen.push(auth);
      return false;
    },
  });
  const token = issuer.mintAccessToken();
  const auth = await verifier.verify(token);
  await verifier.verify(token);
  await verifier.authenticate(`Bearer ${token}`);
  expect(seen).toEqual([auth, auth, auth]);
  expect(seen[0]).toBe(auth);
  expect(events.ofType("verified").map((event) => event.cached)).toEqual([false, true, true]);
});

test("a token revoked after it was cached is refused on the next hit", async () => {
  const revoked = new Set<string>();
  const verifier = t.verifier({ ...issuer.verifierOptions, isRevoked: (auth) => revoked.has(auth.claims.jti as string) });
  const token = issuer.mintAccessToken();
  const auth = await verifier.verify(token);
  revoked.add(auth.claims.jti as string);
  const err = await expectRejected(verifier.verify(token), INVALID_TOKEN("revoked"));
  expect(err.headers["WWW-Authenticate"]).toContain('error="invalid_token"');
  await expectRejected(verifier.authenticate(`Bearer ${token}`), INVALID_TOKEN("revoked"));
  // Un-revoking is honoured too: the check is live, not remembered.
  revoked.clear();
  expect(await verifier.verify(token)).toBe(auth);
});

test("an async hook is awaited", async () => {
  const verifier = t.verifier({
    ...issuer.verifierOptions,
    isRevoked: async (auth) => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      return auth.username === "mallory";
    },
  });
  await expect(verifier.verify(issuer.mintAccessToken())).resolves.toBeDefined();
  await expectRejected(verifier.verify(issuer.mintAccessToken({ username: "mallory" })), INVALID_TOKEN("revoked"));
});

test("a revoked token is not cached", async () => {
  const verifier = t.verifier({ ...issuer.verifierOptions, isRevoked: () => true });
  await expectRejected(verifier.verify(issuer.mintAccessToken()), INVALID_TOKEN("revoked"));
  expect(verifier.stats().cache!.size).toBe(0);
});

describe("a failing hook is a 503, never a 401", () => {
  test("a throwing hook, on the first verification", async () => {
    const cause = new Error("redis down");
    const verifier = t.verifier({
      ...issuer.verifierOptions,
      isRevoked: () => {
        throw cause;
      },
    });
    const err = await expectRejected(verifier.verify(issuer.mintAccessToken()), CHECK_FAILED);
    expect(err.cause).toBe(cause);
    expect(err.headers["Retry-After"]).toMatch(/^\d+$/);
    expect(err.message).not.toContain("redis");
  });

  test("a rejecting hook", async () => {
    const verifier = t.verifier({ ...issuer.verifierOptions, isRevoked: () => Promise.reject(new Error("timeout")) });
    await expectRejected(verifier.verify(issuer.mintAccessToken()), CHECK_FAILED);
  });

  test("a hook that starts failing after the token was cached", async () => {
    let failing = false;
    const events = recorder();
    const verifier = t.verifier({
      ...issuer.verifierOptions,
      onEvent: events.onEvent,
      isRevoked: () => {
        if (failing) throw new Error("down");
        return false;
      },
    });
    const token = issuer.mintAccessToken();
    await verifier.verify(token);
    failing = true;
    await expectRejected(verifier.verify(token), CHECK_FAILED);
    await expectRejected(verifier.authenticate(`Bearer ${token}`), CHECK_FAILED);
    // The cached entry survives: the token itself is fine.
    failing = false;
    await expect(verifier.verify(token)).resolves.toMatchObject({ token });
    expect(events.ofType("rejected").map((event) => [event.reason, event.status])).toEqual([
      ["revocation_check_failed", 503],
      ["revocation_check_failed", 503],
    ]);
  });

  test("an async hook that starts rejecting after the token was cached", async () => {
    let failing = false;
    const events = recorder();
    const verifier = t.verifier({
      ...issuer.verifierOptions,
      onEvent: events.onEvent,
      isRevoked: async () => {
        if (failing) throw new Error("down");
        return false;
      },
    });
    const token = issuer.mintAccessToken();
    await verifier.verify(token);
    failing = true;
    await expectRejected(verifier.verify(token), CHECK_FAILED);
    await expectRejected(verifier.authenticate(`Bearer ${token}`), CHECK_FAILED);
    expect(events.ofType("rejected").map((event) => event.reason)).toEqual(["revocation_check_failed", "revocation_check_failed"]);
  });
});
