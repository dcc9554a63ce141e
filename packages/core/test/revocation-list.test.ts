// The memory revocation list: consulted on every request (cached token or
// not), by origin_jti (a sign-in and every refresh of it), jti (one token) and
// sub + auth_time (a user's sign-ins before a moment).
import { createMemoryRevocationList, OptionsError, type CognitoAuth, type RevocationList } from "@cognito-bearer/core";
import { RevocationEntries, entryFor, resolveRevocationOptions } from "@cognito-bearer/core/adapter";
import type { TestIssuer } from "@cognito-bearer/testing";
import { fixtures, freezeDate, rejection } from "./helpers";

const t = fixtures();
let issuer: TestIssuer;
beforeAll(async () => {
  issuer = await t.issuer();
});

function setup(options?: Parameters<typeof createMemoryRevocationList>[0]) {
  const revocations = createMemoryRevocationList(options);
  t.track(revocations);
  const verifier = t.verifier({ ...issuer.verifierOptions, revocations });
  return { revocations, verifier };
}

async function expectRevoked(promise: Promise<unknown>, reason = "revoked"): Promise<void> {
  const error = await rejection(promise);
  expect([error.status, error.code, error.reason]).toEqual([401, "invalid_token", reason]);
  expect(error.headers["WWW-Authenticate"]).toMatch(/error="invalid_token"/);
  if (reason === "revoked") expect(error.message).toMatch(/revoked/);
}

describe("revokeSession", () => {
  test("refuses the token at once, cached or not, and every refresh of the same sign-in", async () => {
    const { revocations, verifier } = setup();
    const token = issuer.mintAccessToken();
    const auth = await verifier.verify(token); // now in the verified-token cache
    const origin = auth.claims.origin_jti as string;
    const refreshed = issuer.mintAccessToken({ sub: auth.sub, origin_jti: origin, auth_time: auth.claims.auth_time });
    const otherSession = issuer.mintAccessToken({ sub: auth.sub });
    await revocations.revokeSession(auth);
    await expectRevoked(verifier.verify(token));
    await expectRevoked(Promise.resolve(verifier.authenticate(`Bearer ${token}`)));
    await expectRevoked(verifier.verify(refreshed));
    await expect(verifier.verify(otherSession)).resolves.toMatchObject({ sub: auth.sub });
    expect(revocations.stats()).toEqual({ sessions: 1, tokens: 0, users: 0 });
  });

  test("a token without origin_jti cannot be revoked by session: a clear TypeError", async () => {
    const { revocations, verifier } = setup();
    const auth = await verifier.verify(issuer.mintAccessToken({ origin_jti: undefined }));
    await expect(revocations.revokeSession(auth)).rejects.toThrow(/revokeSession\(auth\) needs a token with an origin_jti claim/);
  });
});

describe("revokeToken", () => {
  test("refuses that token only: another token of the same sign-in still passes", async () => {
    const { revocations, verifier } = setup();
    const auth = await verifier.verify(issuer.mintAccessToken());
    const sibling = issuer.mintAccessToken({ sub: auth.sub, origin_jti: auth.claims.origin_jti });
    await revocations.revokeToken(auth);
    await expectRevoked(verifier.verify(auth.token));
    await expect(verifier.verify(sibling)).resolves.toMatchObject({ sub: auth.sub });
  });
});

describe("revokeUser", () => {
  test("refuses the user's tokens signed in before the moment, not after, nor other users'", async () => {
    const { revocations, verifier } = setup();
    const sub = "user-1";
    const now = Math.floor(Date.now() / 1000);
    const old = issuer.mintAccessToken({ sub, auth_time: now - 600 });
    const someoneElse = issuer.mintAccessToken({ sub: "user-2", auth_time: now - 600 });
    await verifier.verify(old);
    await revocations.revokeUser(sub);
    await expectRevoked(verifier.verify(old));
    await expect(verifier.verify(someoneElse)).resolves.toBeDefined();
    const signedInLater = issuer.mintAccessToken({ sub, auth_time: now + 1 });
    await expect(verifier.verify(signedInLater)).resolves.toMatchObject({ sub });
  });

  test("at the same-second boundary: auth_time has one-second resolution, so the second of a fractional `before` is refused", async () => {
    const { revocations, verifier } = setup();
    const second = Math.floor(Date.now() / 1000) - 100;
    const token = (sub: string, authTime: number) => issuer.mintAccessToken({ sub, auth_time: authTime });
    // before = second + 0.5 s: a sign-in during that second may have been before it, so it is refused.
    await revocations.revokeUser("a", { before: new Date(second * 1000 + 500) });
    await expectRevoked(verifier.verify(token("a", second - 1)));
    await expectRevoked(verifier.verify(token("a", second)));
    await expect(verifier.verify(token("a", second + 1))).resolves.toBeDefined();
    // before = exactly the second: a sign-in at that second is not before it.
    await revocations.revokeUser("b", { before: second * 1000 });
    await expectRevoked(verifier.verify(token("b", second - 1)));
    await expect(verifier.verify(token("b", second))).resolves.toBeDefined();
  });

  test("a token without auth_time cannot show it signed in since: refused once its user is revoked", async () => {
    const { revocations, verifier } = setup();
    const token = issuer.mintAccessToken({ sub: "c", auth_time: undefined });
    await expect(verifier.verify(token)).resolves.toBeDefined();
    await revocations.revokeUser("c");
    await expectRevoked(verifier.verify(token));
  });

  test("two bans of one user: the later moment wins", async () => {
    const { revocations, verifier } = setup();
    const second = Math.floor(Date.now() / 1000) - 100;
    await revocations.revokeUser("d", { before: (second + 50) * 1000 });
    await revocations.revokeUser("d", { before: second * 1000 });
    await expectRevoked(verifier.verify(issuer.mintAccessToken({ sub: "d", auth_time: second + 10 })));
  });
});

describe("requireOriginJti", () => {
  test("refuses tokens without origin_jti (revocation disabled on their app client); without it they pass", async () => {
    const token = issuer.mintAccessToken({ origin_jti: undefined });
    await expectRevoked(setup({ requireOriginJti: true }).verifier.verify(token), "not_revocable");
    await expect(setup().verifier.verify(token)).resolves.toBeDefined();
    await expect(setup({ requireOriginJti: true }).verifier.verify(issuer.mintAccessToken())).resolves.toBeDefined();
  });
});

describe("entries expire on their own", () => {
  test("revokeToken at the token's exp + grace; revokeSession and revokeUser after the longest token lifetime + grace", () => {
    const options = resolveRevocationOptions({ maxTokenLifetimeSeconds: 3600, graceSeconds: 60 });
    const now = 1_800_000_000_000;
    const auth = { claims: { jti: "j", origin_jti: "o", exp: now / 1000 + 300 } } as unknown as CognitoAuth;
    expect(entryFor("token", auth, options, undefined, now)).toEqual({ kind: "token", id: "j", expiresAt: now + 360_000 });
    expect(entryFor("session", auth, options, undefined, now)).toEqual({ kind: "session", id: "o", expiresAt: now + 3_660_000 });
    expect(entryFor("user", "s", options, { before: now - 1000 }, now)).toEqual({ kind: "user", id: "s", before: now - 1000, expiresAt: now + 3_660_000 });

    const entries = new RevocationEntries(false);
    for (const kind of ["token", "session"] as const) entries.add(entryFor(kind, auth, options, undefined, now), now);
    entries.add(entryFor("user", "s", options, undefined, now), now);
    expect(entries.stats()).toEqual({ sessions: 1, tokens: 1, users: 1 });
    entries.sweep(now + 360_000);
    expect(entries.stats()).toEqual({ sessions: 1, tokens: 0, users: 1 });
    entries.sweep(now + 3_660_000);
    expect(entries.stats()).toEqual({ sessions: 0, tokens: 0, users: 0 });
    // An entry that has already expired is not even kept.
    entries.add({ kind: "token", id: "late", expiresAt: now }, now + 1);
    expect(entries.stats().tokens).toBe(0);
  });

  test("the memory list sweeps expired entries as it is written to", async () => {
    const clock = freezeDate(Date.now());
    const revocations: RevocationList = createMemoryRevocationList({ maxTokenLifetimeSeconds: 60, graceSeconds: 0 });
    await revocations.revokeUser("e");
    expect(revocations.stats().users).toBe(1);
    clock.set(Date.now() + 61_000);
    await revocations.revokeUser("f");
    expect(revocations.stats()).toEqual({ sessions: 0, tokens: 0, users: 1 });
  });
});

describe("an expired entry stops refusing at its expiry, swept or not (the fleet agrees)", () => {
  test("isRevoked checks the expiry on lookup: session, token and user entries", () => {
    const now = 1_800_000_000_000;
    const entries = new RevocationEntries(false);
    entries.add({ kind: "session", id: "o", expiresAt: now + 1000 }, now);
    entries.add({ kind: "token", id: "j", expiresAt: now + 2000 }, now);
    entries.add({ kind: "user", id: "u", before: now, expiresAt: now + 3000 }, now);
    const session = { sub: "x", origin_jti: "o" } as never;
    const token = { sub: "x", jti: "j" } as never;
    const user = { sub: "u", auth_time: now / 1000 - 10 } as never;
    expect([entries.isRevoked(session, now + 999), entries.isRevoked(token, now + 1999), entries.isRevoked(user, now + 2999)]).toEqual(["revoked", "revoked", "revoked"]);
    // No sweep has run (the next is a minute away), and still nothing past its expiry refuses.
    expect([entries.isRevoked(session, now + 1000), entries.isRevoked(token, now + 2000), entries.isRevoked(user, now + 3000)]).toEqual([undefined, undefined, undefined]);
    expect(entries.stats()).toEqual({ sessions: 1, tokens: 1, users: 1 });
    expect([...entries.live(now + 1500)].map((entry) => entry.kind)).toEqual(["token", "user"]);
  });

  test("the memory list: a revoked sign-in passes again once its entry expires, with no write in between", async () => {
    const clock = freezeDate(Date.now());
    const { revocations, verifier } = setup({ maxTokenLifetimeSeconds: 60, graceSeconds: 0 });
    const token = issuer.mintAccessToken({}, { expiresInSeconds: 3600 });
    const auth = await verifier.verify(token);
    await revocations.revokeSession(auth);
    await revocations.revokeUser("someone-else");
    await expectRevoked(verifier.verify(token));
    clock.set(Date.now() + 59_000);
    await expectRevoked(verifier.verify(token));
    clock.set(Date.now() + 1_001);
    await expect(verifier.verify(token)).resolves.toMatchObject({ sub: auth.sub });
  });
});

describe("bad input is a clear TypeError", () => {
  const list = createMemoryRevocationList();
  test.each([
    ["revokeSession(undefined)", () => list.revokeSession(undefined as never), /revokeSession\(auth\) needs the auth object of a verified token/],
    ["revokeSession({})", () => list.revokeSession({} as never), /revokeSession\(auth\) needs the auth object/],
    ["revokeSession(a token string)", () => list.revokeSession("eyJ..." as never), /revokeSession\(auth\) needs the auth object/],
    ["revokeToken({ claims: {} })", () => list.revokeToken({ claims: {} } as never), /revokeToken\(auth\) needs a token with a jti claim/],
    ["revokeToken without exp", () => list.revokeToken({ claims: { jti: "j" } } as never), /revokeToken\(auth\) needs a token with an exp claim/],
    ["revokeUser()", () => list.revokeUser(undefined as never), /revokeUser\(sub\) needs the user's sub/],
    ["revokeUser('')", () => list.revokeUser(""), /revokeUser\(sub\) needs the user's sub/],
    ["revokeUser(auth)", () => list.revokeUser({ sub: "x" } as never), /revokeUser\(sub\) needs the user's sub/],
    ["revokeUser(sub, { before: 'yesterday' })", () => list.revokeUser("x", { before: "yesterday" as never }), /before must be a Date or milliseconds/],
    ["revokeUser(sub, { before: Invalid Date })", () => list.revokeUser("x", { before: new Date("nope") }), /before must be a Date/],
  ])("%s", async (_name, call, message) => {
    await expect(call()).rejects.toThrow(TypeError);
    await expect(call()).rejects.toThrow(message);
  });
});

describe("options", () => {
  test("createMemoryRevocationList validates its options and names a misspelled one", () => {
    expect(() => createMemoryRevocationList({ maxTokenLifetime: 60 } as never)).toThrow(/unknown option "maxTokenLifetime" \(did you mean "maxTokenLifetimeSeconds"\?\)/);
    expect(() => createMemoryRevocationList({ graceSeconds: -1 })).toThrow(OptionsError);
    expect(() => createMemoryRevocationList({ requireOriginJti: "yes" as never })).toThrow(/requireOriginJti must be a boolean/);
  });

  test("createVerifier refuses something that is not a revocation list", () => {
    expect(() => t.verifier({ ...issuer.verifierOptions, revocations: new Set() as never })).toThrow(/revocations must be a revocation list/);
  });

  test("the isRevoked hook still runs beside the list", async () => {
    const revocations = createMemoryRevocationList();
    const verifier = t.verifier({ ...issuer.verifierOptions, revocations, isRevoked: (auth) => auth.username === "banned" });
    await expectRevoked(verifier.verify(issuer.mintAccessToken({ username: "banned" })));
    await expect(verifier.verify(issuer.mintAccessToken())).resolves.toBeDefined();
  });
});

describe("catchUp: a list that brings itself up to date before a check", () => {
  /** A memory list whose catchUp() applies what `behind` holds, the way a shared list reads what it missed. */
  function catchingUp() {
    const inner = createMemoryRevocationList();
    t.track(inner);
    const behind: CognitoAuth[] = [];
    let current = true;
    let calls = 0;
    let failing: Error | undefined;
    const list: RevocationList = {
      ...inner,
      catchUp() {
        calls++;
        if (current) return undefined;
        return (async () => {
          await new Promise((resolve) => setTimeout(resolve, 5));
          if (failing) throw failing;
          for (const auth of behind.splice(0)) await inner.revokeSession(auth);
          current = true;
        })();
      },
    };
    const verifier = t.verifier({ ...issuer.verifierOptions, revocations: list });
    return {
      verifier,
      calls: () => calls,
      revokeElsewhere(auth: CognitoAuth) {
        behind.push(auth);
        current = false;
      },
      fail(error: Error | undefined) {
        failing = error;
        current = error === undefined ? current : false;
      },
    };
  }

  test("current: called before every check, cached token or not, and the answer stays synchronous", async () => {
    const { verifier, calls } = catchingUp();
    const token = issuer.mintAccessToken();
    const auth = await verifier.verify(token);
    const hit = verifier.authenticate(`Bearer ${token}`);
    expect(hit).toBe(auth);
    expect(calls()).toBe(2);
  });

  test("behind: the check waits for it, so a token revoked elsewhere is refused on the first request, cached or not", async () => {
    const { verifier, revokeElsewhere } = catchingUp();
    const token = issuer.mintAccessToken();
    const auth = await verifier.verify(token);
    revokeElsewhere(auth);
    const answer = verifier.authenticate(`Bearer ${token}`);
    expect(answer).toBeInstanceOf(Promise);
    await expectRevoked(answer as Promise<unknown>);
    await expectRevoked(verifier.verify(issuer.mintAccessToken({ origin_jti: auth.claims.origin_jti })));
  });

  test("a catchUp that rejects is a 503, never a 401, and the next one that succeeds recovers", async () => {
    const { verifier, fail } = catchingUp();
    const token = issuer.mintAccessToken();
    await verifier.verify(token);
    fail(new Error("Redis is down"));
    const error = await rejection(verifier.verify(token));
    expect([error.status, error.code, error.reason]).toEqual([503, "temporarily_unavailable", "revocation_check_failed"]);
    fail(undefined);
    await expect(verifier.verify(token)).resolves.toBeDefined();
  });
});
