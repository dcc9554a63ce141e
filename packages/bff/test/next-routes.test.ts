// @cognito-bearer/bff/next: the token handler's routes as Next.js route
// handlers, and the instance memoised per process.
import { createNextTokenHandler } from "@cognito-bearer/bff/next";
import { JWT } from "./proxy-support";
import { ORIGIN, SESSION, serverFor, setupsPerTest } from "./next-support";

jest.setTimeout(30_000);
const { start } = setupsPerTest();

test("sign-in end to end through routeHandlers: login, the issuer, callback; then /auth/session knows the user", async () => {
  const s = await start();
  const login = await s.browser.call(s.bff.routeHandlers.GET, "/auth/login?returnTo=%2Forders%3Fpage%3D2");
  expect(login.status).toBe(302);
  expect(new URL(login.headers.get("location")!).origin).toBe(s.issuer.url);
  expect(login.headers.getSetCookie().some((line) => line.startsWith("__Host-Http-cb-signin-"))).toBe(true);
  s.browser.jar.clear();

  const callback = await s.browser.signIn(s.bff, "/orders?page=2");
  expect(callback.status).toBe(200);
  const page = await callback.text();
  expect(page).toContain(`url=${ORIGIN}/orders?page=2`);
  expect(page).not.toMatch(JWT);
  expect(s.browser.jar.get(SESSION)).toMatch(/^[A-Za-z0-9_-]{43}$/);
  const sessionCookie = callback.headers.getSetCookie().find((line) => line.startsWith(`${SESSION}=`))!;
  expect(sessionCookie).toMatch(/; HttpOnly; SameSite=Strict; Max-Age=\d+; Secure$/);

  const session = await s.browser.call(s.bff.routeHandlers.GET, "/auth/session");
  const body = await session.json();
  expect(body).toEqual({ authenticated: true, sub: expect.any(String), username: "alice", expiresAt: expect.any(Number) });
  expect(session.headers.get("cache-control")).toBe("no-store");
  expect(s.events.map((event) => event.type)).toEqual(["signed_in"]);
});

test("an unknown path under /auth is a 404 JSON answer; /auth/token is not served in proxy mode, and is with exposeAccessToken", async () => {
  const s = await start();
  await s.browser.signIn(s.bff);
  const unknown = await s.browser.call(s.bff.routeHandlers.GET, "/auth/nope");
  expect([unknown.status, unknown.headers.get("content-type"), await unknown.json()]).toEqual([404, "application/json; charset=utf-8", { error: "not_found" }]);
  const outside = await s.browser.call(s.bff.routeHandlers.GET, "/elsewhere");
  expect([outside.status, await outside.json()]).toEqual([404, { error: "not_found" }]);
  const token = await s.browser.call(s.bff.routeHandlers.POST, "/auth/token", { method: "POST", headers: s.browser.spa() });
  expect([token.status, await token.text()]).toEqual([404, '{"error":"not_found"}']);

  const exposed = await start({}, { exposeAccessToken: true });
  await exposed.browser.signIn(exposed.bff);
  const refused = await exposed.browser.call(exposed.bff.routeHandlers.POST, "/auth/token", { method: "POST" });
  expect(refused.status).toBe(403);
  const handedOut = await exposed.browser.call(exposed.bff.routeHandlers.POST, "/auth/token", { method: "POST", headers: exposed.browser.spa() });
  expect(handedOut.status).toBe(200);
  expect(((await handedOut.json()) as { access_token: string }).access_token).toMatch(JWT);
});

test("POST /auth/logout through routeHandlers: the cookie cleared, Cognito's /logout named, the session gone", async () => {
  const s = await start();
  await s.browser.signIn(s.bff);
  const logout = await s.browser.call(s.bff.routeHandlers.POST, "/auth/logout", { method: "POST", headers: s.browser.spa() });
  expect(logout.status).toBe(200);
  const { logoutUrl } = (await logout.json()) as { logoutUrl: string };
  expect(new URL(logoutUrl).pathname).toBe("/logout");
  expect(s.browser.jar.has(SESSION)).toBe(false);
  const wrongMethod = await s.browser.call(s.bff.routeHandlers.GET, "/auth/logout");
  expect([wrongMethod.status, wrongMethod.headers.get("allow")]).toEqual([405, "POST"]);
});

test("one instance per process: a second evaluation with the same name shares the handler and its sessions; close() forgets it", async () => {
  const s = await start();
  const key = Symbol.for(`cognito-bearer.next:${s.name}`);
  expect((globalThis as Record<symbol, unknown>)[key]).toBeDefined();
  // As another bundle layer would: the options are the first evaluation's (these would not even validate).
  const again = createNextTokenHandler({ name: s.name } as Parameters<typeof createNextTokenHandler>[0]);
  expect(again.handler).toBe(s.bff.handler);
  await s.browser.signIn(again);
  expect(await serverFor(s).getSession()).toMatchObject({ username: "alice" });
  const other = await start();
  expect(other.bff.handler).not.toBe(s.bff.handler);
  expect(await serverFor(other, s.browser.cookieHeader).getSession()).toBeNull();
  await s.bff.close();
  expect((globalThis as Record<symbol, unknown>)[key]).toBeUndefined();
});
