// Proxy mode against an outside review: a hostile upstream of our own (it
// echoes the token, sets origin-wide headers, answers 101 or endless 1xx, or
// hangs) and requests a browser or a script could send. Each test failed
// before its fix.
import { createServer, request, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { createTestIssuer, type TestIssuer } from "@cognito-bearer/testing";
import { raw } from "./proxy-support";
import { Browser, startApp, type App } from "./support";

jest.setTimeout(30_000);

const SESSION = "__Host-Http-cb-session";
const TIMEOUT_MS = 800;
const running: { close(): Promise<unknown> | unknown }[] = [];
afterEach(async () => {
  for (const item of running.splice(0).reverse()) await item.close();
});

interface Hostile {
  url: string;
  seen: { url: string; headers: IncomingHttpHeaders; trailers: Record<string, string | undefined> }[];
  close(): Promise<void>;
}

/** An upstream that misbehaves on purpose, one route per misbehaviour. */
async function startHostile(): Promise<Hostile> {
  const seen: Hostile["seen"] = [];
  const sockets = new Set<Socket>();
  const timers = new Set<ReturnType<typeof setInterval>>();
  const server: Server = createServer((req, res) => {
    const entry = { url: req.url ?? "", headers: req.headers, trailers: {} as Record<string, string | undefined> };
    seen.push(entry);
    const path = new URL(req.url ?? "/", "http://x").pathname;
    const finish = (fn: () => void) => {
      req.resume();
      req.once("end", () => {
        entry.trailers = { ...req.trailers };
        fn();
      });
    };
    switch (path) {
      case "/v1/echo-auth":
        return finish(() =>
          res
            .writeHead(200, {
              "x-echo-auth": req.headers.authorization ?? "",
              // What a debug header shows of a token: its claims segment only.
              "x-debug-claims": (req.headers.authorization ?? "").split(".")[1] ?? "",
              "content-type": "application/json",
            })
            .end("{}"),
        );
      case "/v1/origin-wide":
        return finish(() =>
          res
            .writeHead(200, [
              ["strict-transport-security", "max-age=0"],
              ["clear-site-data", '"cookies"'],
              ["alt-svc", 'h3=":443"'],
              ["set-cookie", "allowed"],
              ["set-cookie", "theme=dark; Path=/"],
              ["x-kept", "yes"],
            ])
            .end("{}"),
        );
      case "/v1/cache/public":
        return finish(() => res.writeHead(200, { "cache-control": "public, max-age=60", vary: "Accept" }).end("{}"));
      case "/v1/cache/max-age":
        return finish(() => res.writeHead(200, { "cache-control": "max-age=600" }).end("{}"));
      case "/v1/cache/none":
        return finish(() => res.writeHead(200).end("{}"));
      case "/v1/switch": {
        // An unasked-for 101, and the connection kept open.
        const socket = req.socket;
        sockets.add(socket);
        socket.write("HTTP/1.1 101 Switching Protocols\r\nUpgrade: x-nonsense\r\nConnection: Upgrade\r\n\r\n");
        return;
      }
      case "/v1/early-hints": {
        // 1xx answers forever, never a final one: an idle timeout never fires.
        sockets.add(req.socket);
        const timer = setInterval(() => res.writeEarlyHints({ link: "</x.css>; rel=preload" }), 100);
        timers.add(timer);
        return;
      }
      case "/v1/hang":
      case "/v1/upload":
        sockets.add(req.socket);
        req.resume();
        return;
      default:
        return finish(() => res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ path })));
    }
  });
  server.on("connection", (socket) => sockets.add(socket));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    async close() {
      for (const timer of timers) clearInterval(timer);
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

interface Setup {
  app: App;
  issuer: TestIssuer;
  up: Hostile;
  cookie: string;
  token: () => string;
}

async function signedIn(): Promise<Setup> {
  const issuer = await createTestIssuer({ oauth: { redirectUris: ["http://127.0.0.1/placeholder"], users: [{ username: "alice" }] } });
  running.push(issuer);
  const up = await startHostile();
  running.push(up);
  const app = await startApp(async (redirectUri) => {
    issuer.oauth!.addRedirectUri(redirectUri);
    return issuer;
  }, { upstreams: { "/api": `${up.url}/v1` }, proxy: { allowedSetCookies: ["theme", "allowed"], timeoutMs: TIMEOUT_MS } });
  running.push(app);
  const browser = new Browser(app.url);
  expect((await browser.signIn()).status).toBe(200);
  const cookie = `${SESSION}=${browser.cookie(SESSION)}`;
  // The token the proxy attaches, as the upstream sees it.
  const token = () => up.seen.at(-1)!.headers.authorization!.slice("Bearer ".length);
  return { app, issuer, up, cookie, token };
}

test("a request without the session cookie (a cross-site navigation: the SameSite=Strict cookie withheld) gets 401 but no cookie-clearing Set-Cookie; an unknown cookie is cleared", async () => {
  const s = await signedIn();
  const bare = await raw(s.app.url, "/api/me");
  expect(bare.status).toBe(401);
  expect(bare.headers["set-cookie"]).toBeUndefined();
  const token = await raw(s.app.url, "/auth/token", { method: "POST", headers: { "x-csrf": "1", origin: s.app.url } });
  expect(token.status).toBe(404); // proxy mode: no /auth/token at all
  const unknown = await raw(s.app.url, "/api/me", { headers: { cookie: `${SESSION}=${"A".repeat(43)}` } });
  expect(unknown.status).toBe(401);
  expect(unknown.headers["set-cookie"]?.[0]).toMatch(new RegExp(`^${SESSION}=;.*Max-Age=0`, "i"));
  // The signed-in session is still there.
  expect((await raw(s.app.url, "/api/me", { headers: { cookie: s.cookie } })).status).toBe(200);
});

test("the token handler's own POST /auth/token: no session cookie, no Set-Cookie", async () => {
  const issuer = await createTestIssuer({ oauth: { redirectUris: ["http://127.0.0.1/placeholder"], users: [{ username: "alice" }] } });
  running.push(issuer);
  const app = await startApp(async (redirectUri) => {
    issuer.oauth!.addRedirectUri(redirectUri);
    return issuer;
  });
  running.push(app);
  const answer = await raw(app.url, "/auth/token", { method: "POST", headers: { "x-csrf": "1", origin: app.url } });
  expect(answer.status).toBe(401);
  expect(answer.headers["set-cookie"]).toBeUndefined();
});

test("paths that leave the base path for an upstream that strips ;parameters or decodes more than twice are refused; harmless ones pass", async () => {
  const s = await signedIn();
  for (const target of ["/api/..;/internal", "/api/x/..;/..;/internal", "/api/.;x/internal", "/api/.%252e/internal", "/api/%252e./internal", "/api/%25252e%25252e/internal", "/api/a%25252fb", "/api/a%2525255cb", "/api/%252525252e%252525252e/internal"]) {
    const answer = await raw(s.app.url, target, { headers: { cookie: s.cookie } });
    expect([target, answer.status]).toEqual([target, 400]);
  }
  expect(s.up.seen).toEqual([]);
  for (const [target, path] of [["/api/a;b", "/v1/a;b"], ["/api/caf%C3%A9", "/v1/caf%C3%A9"], ["/api/100%25", "/v1/100%25"]]) {
    const answer = await raw(s.app.url, target, { headers: { cookie: s.cookie } });
    expect([target, answer.status, s.up.seen.at(-1)?.url]).toEqual([target, 200, path]);
  }
});

test("headers by which a front proxy vouches for a client, method overrides, and a __proto__ header never reach the upstream", async () => {
  const s = await signedIn();
  const forged: Record<string, string> = {
    "x-forwarded-prefix": "/admin",
    "x-forwarded-user": "root",
    "x-forwarded-email": "root@example.com",
    "x-original-url": "/admin",
    "x-rewrite-url": "/admin",
    "x-original-forwarded-for": "6.6.6.6",
    "x-client-ip": "6.6.6.6",
    "true-client-ip": "6.6.6.6",
    "x-cluster-client-ip": "6.6.6.6",
    "x-amzn-oidc-identity": "root",
    "x-amzn-oidc-data": "eyJhbGciOiJFUzI1NiJ9.e30.sig",
    "x-auth-request-user": "root",
    "x-remote-user": "root",
    "x-http-method-override": "DELETE",
    "x-method-override": "DELETE",
    "x-original-method": "DELETE",
    via: "1.1 evil",
    "x-user": "admin",
    "x-authenticated-user": "admin",
    "x-ms-client-principal": "YWRtaW4=",
    "x-ms-client-principal-name": "admin",
    "cf-access-authenticated-user-email": "admin@example.com",
    "x-goog-authenticated-user-email": "admin@example.com",
    "x-consumer-username": "admin",
    "x-client-cert": "abc",
    "ssl-client-cert": "abc",
    "x-ssl-client-s-dn": "CN=admin",
    "x-envoy-original-path": "/admin",
    "x-middleware-subrequest": "middleware",
  };
  const answer = await raw(s.app.url, "/api/me", { headers: { cookie: s.cookie, ...forged, "__proto__": "x", constructor: "c", "x-kept": "yes" } });
  expect(answer.status).toBe(200);
  const seen = s.up.seen.at(-1)!.headers;
  for (const name of Object.keys(forged)) expect([name, seen[name]]).toEqual([name, undefined]);
  expect(seen["x-kept"]).toBe("yes");
  expect(seen.constructor).toBe("c");
  expect(seen["x-forwarded-for"]).toBe("127.0.0.1");
});

test("an upstream that echoes the Authorization header in a header: dropped; origin-wide headers and a nameless Set-Cookie dropped", async () => {
  const s = await signedIn();
  const echo = await raw(s.app.url, "/api/echo-auth", { headers: { cookie: s.cookie } });
  expect(echo.status).toBe(200);
  expect(s.token()).toMatch(/^eyJ/);
  expect([echo.headers["x-echo-auth"], echo.headers["x-debug-claims"]]).toEqual([undefined, undefined]);
  expect(echo.rawHeaders.join("\n")).not.toContain(s.token());
  const wide = await raw(s.app.url, "/api/origin-wide", { headers: { cookie: s.cookie } });
  for (const name of ["strict-transport-security", "clear-site-data", "alt-svc"]) expect([name, wide.headers[name]]).toEqual([name, undefined]);
  expect(wide.headers["set-cookie"]).toEqual(["theme=dark; Path=/"]);
  expect(wide.headers["x-kept"]).toBe("yes");
});

test("TRACE is refused (405), TRACK too, and neither is forwarded; a transfer coding other than chunked is refused (400)", async () => {
  const s = await signedIn();
  const trace = await raw(s.app.url, "/api/me", { method: "TRACE", headers: { cookie: s.cookie, "x-csrf": "1", origin: s.app.url } });
  expect(trace.status).toBe(405);
  // Node's parser refuses TRACK itself (400); either way it is not forwarded.
  const track = await raw(s.app.url, "/api/me", { method: "TRACK", headers: { cookie: s.cookie, "x-csrf": "1", origin: s.app.url } });
  expect([400, 405]).toContain(track.status);
  const gzip = await raw(s.app.url, "/api/echo", { method: "POST", headers: { cookie: s.cookie, "x-csrf": "1", origin: s.app.url, "transfer-encoding": "gzip, chunked" }, body: "x" });
  expect(gzip.status).toBe(400);
  expect(s.up.seen).toEqual([]);
});

test("a request trailer named like the anti-CSRF header is not forwarded; others are", async () => {
  const s = await signedIn();
  const url = new URL(s.app.url);
  const status = await new Promise<number>((resolve, reject) => {
    const req = request(
      { host: url.hostname, port: url.port, method: "POST", path: "/api/trailers", headers: { cookie: s.cookie, "x-csrf": "1", origin: s.app.url, "transfer-encoding": "chunked", trailer: "x-csrf, x-checksum" } },
      (res) => {
        res.resume();
        res.once("end", () => resolve(res.statusCode ?? 0));
      },
    );
    req.on("error", reject);
    req.write("body");
    req.addTrailers({ "x-csrf": "1", "x-checksum": "abc" });
    req.end();
  });
  expect(status).toBe(200);
  expect(s.up.seen.at(-1)!.trailers).toEqual({ "x-checksum": "abc" });
});

test("answers are kept private to the session unless the upstream says they are public: Cache-Control private or no-store, Vary: Cookie", async () => {
  const s = await signedIn();
  const get = (path: string) => raw(s.app.url, path, { headers: { cookie: s.cookie } });
  const publicAnswer = await get("/api/cache/public");
  expect([publicAnswer.headers["cache-control"], publicAnswer.headers.vary]).toEqual(["public, max-age=60", "Accept, Cookie"]);
  const maxAge = await get("/api/cache/max-age");
  expect([maxAge.headers["cache-control"], maxAge.headers.vary]).toEqual(["private, max-age=600", "Cookie"]);
  const none = await get("/api/cache/none");
  expect([none.headers["cache-control"], none.headers.vary]).toEqual(["no-store", "Cookie"]);
});

test("an unasked-for 101 and endless 1xx answers: 502 within the timeout, never a hang; the session kept", async () => {
  const s = await signedIn();
  for (const path of ["/api/switch", "/api/early-hints"]) {
    const started = performance.now();
    const answer = await raw(s.app.url, path, { headers: { cookie: s.cookie } });
    const ms = performance.now() - started;
    expect([path, answer.status]).toEqual([path, 502]);
    expect(ms).toBeLessThan(TIMEOUT_MS + 2000);
  }
  expect((await raw(s.app.url, "/api/me", { headers: { cookie: s.cookie } })).status).toBe(200);
});

test("the browser's faults are not the upstream's: a stalled upload gets 408, a browser that goes away raises no upstream_unavailable", async () => {
  const s = await signedIn();
  const url = new URL(s.app.url);
  // A streamed body (above replayBodyBytes) that stops halfway.
  const stalled = await new Promise<number>((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, method: "PUT", path: "/api/upload", headers: { cookie: s.cookie, "x-csrf": "1", origin: s.app.url, "content-length": String(200_000) } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
      req.destroy();
    });
    req.on("error", reject);
    req.write(Buffer.alloc(100_000));
  });
  expect(stalled).toBe(408);
  // A browser that aborts while the upstream is slow.
  await new Promise<void>((resolve) => {
    const req = request({ host: url.hostname, port: url.port, path: "/api/hang", headers: { cookie: s.cookie } });
    req.on("error", () => resolve());
    req.end();
    setTimeout(() => req.destroy(), 200);
  });
  await new Promise((resolve) => setTimeout(resolve, TIMEOUT_MS + 300));
  expect(s.app.events.filter((event) => event.type === "upstream_unavailable")).toEqual([]);
  // A silent upstream is still one.
  const silent = await raw(s.app.url, "/api/hang", { headers: { cookie: s.cookie } });
  expect(silent.status).toBe(502);
  expect(s.app.events.filter((event) => event.type === "upstream_unavailable")).toHaveLength(1);
});

test("a returnTo under the proxy's prefixes or the token handler's base path becomes /: a cross-site link through sign-in cannot bounce a signed-in user into an authenticated /api/ GET", async () => {
  const s = await signedIn();
  for (const returnTo of ["/api/orders", "/api", "/api/orders?x=1", "/auth/logout", "/auth"]) {
    const browser = new Browser(s.app.url);
    const callback = await browser.signIn(returnTo);
    expect([returnTo, callback.status]).toEqual([returnTo, 200]);
    expect(callback.text).toContain(`url=${s.app.url}/"`);
  }
  // Pages that merely start alike stay.
  const browser = new Browser(s.app.url);
  expect((await browser.signIn("/apis/docs")).text).toContain(`url=${s.app.url}/apis/docs"`);
});
