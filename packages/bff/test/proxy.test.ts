// Proxy mode (the full BFF): the token handler forwards /api/* and /files/* to
// real upstreams with the session's token, and the browser holds no token.
import { request } from "node:http";
import type { TokenHandlerOptions } from "@cognito-bearer/bff";
import { createTestIssuer, type TestIssuer } from "@cognito-bearer/testing";
import { BIG, CHUNK, collect, JWT, MIB, raw, sha256, startUpstreams, type Upstreams } from "./proxy-support";
import { Browser, claimsOf, sleep, startApp, type App } from "./support";

jest.setTimeout(30_000);

const SESSION = "__Host-Http-cb-session";
const running: { close(): Promise<unknown> | unknown }[] = [];
afterEach(async () => {
  for (const item of running.splice(0).reverse()) await item.close();
});

interface Setup {
  app: App;
  issuer: TestIssuer;
  up: Upstreams;
  browser: Browser;
  /** The signed-in browser's cookie header. */
  cookie: string;
}

async function signedIn(oauth: Record<string, unknown> = {}, options: Partial<TokenHandlerOptions> = {}): Promise<Setup> {
  const issuer = await createTestIssuer({ oauth: { redirectUris: ["http://127.0.0.1/placeholder"], users: [{ username: "alice" }], ...oauth } });
  running.push(issuer);
  const up = await startUpstreams(issuer);
  running.push(up);
  const app = await startApp(async (redirectUri) => {
    issuer.oauth!.addRedirectUri(redirectUri);
    return issuer;
  }, { upstreams: { "/api": `${up.apiUrl}/v1`, "/files": `${up.streamUrl}/stream` }, proxy: { allowedSetCookies: ["theme"], timeoutMs: 1500 }, ...options });
  running.push(app);
  const browser = new Browser(app.url);
  expect((await browser.signIn()).status).toBe(200);
  return { app, issuer, up, browser, cookie: `${SESSION}=${browser.cookie(SESSION)}` };
}

const parse = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
};
const post = (s: Setup) => ({ cookie: s.cookie, "x-csrf": "1", origin: s.app.url, "content-type": "text/plain" });

test("GET through the proxy: the upstream gets the session's token (not the browser's cookie or Authorization) and X-Forwarded-* from this server", async () => {
  const s = await signedIn();
  const answer = await raw(s.app.url, "/api/me", {
    headers: { cookie: s.cookie, authorization: "Bearer not-this-one", "x-forwarded-for": "6.6.6.6", "x-forwarded-host": "evil.example", "x-forwarded-proto": "https", forwarded: "for=6.6.6.6" },
  });
  expect(answer.status).toBe(200);
  expect(JSON.parse(answer.text)).toEqual({ sub: expect.any(String), username: "alice" });
  const seen = s.up.seen.at(-1)!;
  expect(seen.url).toBe("/v1/me");
  expect(claimsOf(seen.headers.authorization!.slice(7))).toMatchObject({ token_use: "access", username: "alice" });
  expect(seen.headers.cookie).toBeUndefined();
  expect(seen.headers.forwarded).toBeUndefined();
  expect([seen.headers["x-forwarded-for"], seen.headers["x-forwarded-proto"], seen.headers["x-forwarded-host"]]).toEqual(["127.0.0.1", "http", new URL(s.app.url).host]);
  expect(seen.headers.host).toBe(new URL(s.up.apiUrl).host);
  // No token anywhere the browser could read: not in the answer, and no /auth/token in proxy mode.
  expect(answer.text).not.toMatch(JWT);
  const token = await s.browser.post("/auth/token");
  expect([token.status, token.text]).toEqual([404, '{"error":"not_found"}']);
});

test("with trustProxy, X-Forwarded-* from the load balancer are kept and extended", async () => {
  const s = await signedIn({}, { proxy: { trustProxy: true } });
  await raw(s.app.url, "/api/me", { headers: { cookie: s.cookie, "x-forwarded-for": "203.0.113.9", "x-forwarded-host": "app.example.com", "x-forwarded-proto": "https" } });
  const seen = s.up.seen.at(-1)!;
  expect([seen.headers["x-forwarded-for"], seen.headers["x-forwarded-proto"], seen.headers["x-forwarded-host"]]).toEqual(["203.0.113.9, 127.0.0.1", "https", "app.example.com"]);
});

test("status, headers and the allowed cookie are kept; hop-by-hop fields and other upstream cookies are dropped, both ways", async () => {
  const s = await signedIn();
  const answer = await raw(s.app.url, "/api/headers?x=1", {
    headers: { cookie: s.cookie, connection: "keep-alive, x-drop-me", "x-drop-me": "1", "keep-alive": "timeout=9", te: "trailers", "proxy-authorization": "Basic eA==", "x-kept": "yes" },
  });
  expect(answer.status).toBe(203);
  expect(answer.headers["x-custom"]).toBe("kept");
  expect(answer.headers["content-type"]).toMatch(/^application\/json/);
  for (const name of ["x-hop-named", "proxy-authenticate", "x-cb-session"]) expect(answer.headers[name]).toBeUndefined();
  // The upstream's Keep-Alive is for its connection to us: the browser sees ours, if any.
  expect(answer.headers["keep-alive"]).not.toBe("timeout=7, max=3");
  expect(answer.rawHeaders.filter((_, i) => i % 2 === 0 && answer.rawHeaders[i].toLowerCase() === "keep-alive").length).toBeLessThanOrEqual(1);
  expect(answer.headers["set-cookie"]).toEqual(["theme=dark; Path=/"]);
  const seen = s.up.seen.at(-1)!;
  expect(seen.url).toBe("/v1/headers?x=1");
  expect(seen.headers["x-kept"]).toBe("yes");
  for (const name of ["x-drop-me", "te", "proxy-authorization", "x-csrf"]) expect(seen.headers[name]).toBeUndefined();
  expect(seen.headers["keep-alive"]).not.toBe("timeout=9");
});

test("nothing outside the allowlist is reachable: dot segments, encoded slashes, backslashes, absolute-form targets, //host, Host tricks", async () => {
  const s = await signedIn();
  const secret = new URL(s.up.secretUrl).host;
  const targets = [
    "/api/../internal",
    "/api/%2e%2e/internal",
    "/api/.%2E/internal",
    "/api/%2E%2e%2finternal",
    "/api/..%2finternal",
    "/api/..%2Finternal",
    "/api/..%5cinternal",
    "/api/..\\internal",
    "/api/x/../../internal",
    "/api//internal",
    "/api/%252e%252e/internal",
    "/api/%2e%252e/internal",
    "/api/%",
    "/api/me%00",
    "/x/../api/me",
    `http://${secret}/api/me`,
    `http://${secret}/`,
    `//${secret}/api/me`,
    "//api/me",
  ];
  for (const target of targets) {
    const answer = await raw(s.app.url, target, { headers: { cookie: s.cookie } });
    expect({ target, status: answer.status }).toEqual({ target, status: expect.any(Number) });
    expect({ target, refused: [400, 404].includes(answer.status) }).toEqual({ target, refused: true });
    expect(answer.text).not.toContain("secret");
    expect(answer.text).not.toContain("internal");
  }
  // Host tricks: the Host header names no upstream; the allowlist decides.
  const tricked = await raw(s.app.url, "/api/me", { headers: { cookie: s.cookie, host: secret }, setHost: false });
  expect(tricked.status).toBe(200);
  expect(s.up.seen.at(-1)!.headers.host).toBe(new URL(s.up.apiUrl).host);
  expect(s.up.seen.at(-1)!.headers["x-forwarded-host"]).toBe(secret);
  const bad = await raw(s.app.url, "/api/me", { headers: { cookie: s.cookie, host: "a/b@evil" }, setHost: false });
  expect(bad.status).toBe(400);
  expect(s.up.forbiddenHits).toEqual([]);
  // The upstream's base path is the limit even with a trailing slash: /api is /v1, and /apiX is not /api.
  expect((await raw(s.app.url, "/apiX/me", { headers: { cookie: s.cookie } })).status).toBe(404);
});

test("CSRF: every state-changing method needs the custom header and an allowed Origin; GET, HEAD and OPTIONS do not", async () => {
  const s = await signedIn();
  for (const method of ["POST", "PUT", "PATCH", "DELETE"]) {
    const before = s.up.seen.length;
    const noHeader = await raw(s.app.url, "/api/echo", { method, headers: { cookie: s.cookie, origin: s.app.url }, body: "x" });
    const wrongOrigin = await raw(s.app.url, "/api/echo", { method, headers: { cookie: s.cookie, "x-csrf": "1", origin: "http://evil.example" }, body: "x" });
    const noOrigin = await raw(s.app.url, "/api/echo", { method, headers: { cookie: s.cookie, "x-csrf": "1" }, body: "x" });
    expect({ method, statuses: [noHeader.status, wrongOrigin.status, noOrigin.status] }).toEqual({ method, statuses: [403, 403, 403] });
    expect(s.up.seen.length).toBe(before);
    const ok = await raw(s.app.url, "/api/echo", { method, headers: post(s), body: `body of ${method}` });
    expect({ method, status: ok.status, body: parse(ok.text) }).toEqual({ method, status: method === "POST" ? 201 : 200, body: { method, body: `body of ${method}` } });
  }
  for (const method of ["GET", "HEAD", "OPTIONS"]) {
    const answer = await raw(s.app.url, "/api/echo", { method, headers: { cookie: s.cookie } });
    expect({ method, status: answer.status }).toEqual({ method, status: 200 });
  }
});

test("no session: 401 session_expired from the token handler (marked x-cb-session), never forwarded", async () => {
  const s = await signedIn();
  const before = s.up.seen.length;
  const answer = await raw(s.app.url, "/api/me", { headers: { cookie: `${SESSION}=${"A".repeat(43)}` } });
  expect([answer.status, JSON.parse(answer.text).error, answer.headers["x-cb-session"]]).toEqual([401, "session_expired", "expired"]);
  expect(s.up.seen.length).toBe(before);
});

test("1 MiB upload streams: the upstream has the first bytes before the browser has sent the rest (chunked, and with a Content-Length)", async () => {
  const s = await signedIn();
  for (const framing of ["chunked", "content-length"] as const) {
    const answer = await new Promise<Awaited<ReturnType<typeof collect>>>((resolve, reject) => {
      const url = new URL(s.app.url);
      const headers: Record<string, string> = { ...post(s), "content-type": "application/octet-stream" };
      if (framing === "chunked") headers.trailer = "x-upload-checksum";
      else headers["content-length"] = String(MIB);
      const req = request({ host: url.hostname, port: url.port, method: "PUT", path: "/files/upload", headers, agent: false }, (res) => collect(res).then(resolve, reject));
      req.on("error", reject);
      const firstBytes = s.up.firstUploadBytes();
      req.write(BIG.subarray(0, CHUNK));
      // A proxy that buffered the body would wait for the rest forever: this would time out instead.
      const timeout = sleep(5000).then(() => "timed out");
      void Promise.race([firstBytes.then(() => "streamed"), timeout]).then((outcome) => {
        if (outcome !== "streamed") return req.destroy(new Error("the upstream saw nothing before the upload was finished"));
        req.write(BIG.subarray(CHUNK));
        if (framing === "chunked") req.addTrailers({ "x-upload-checksum": "abc123" });
        req.end();
      });
    });
    expect({ framing, status: answer.status, body: JSON.parse(answer.text) }).toEqual({
      framing,
      status: 200,
      body: { bytes: MIB, sha256: sha256(BIG), trailer: framing === "chunked" ? "abc123" : null },
    });
  }
});

test("1 MiB download streams: the browser has the first chunk before the upstream has written the rest; trailers arrive", async () => {
  const s = await signedIn();
  const url = new URL(s.app.url);
  const res = await new Promise<import("node:http").IncomingMessage>((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path: "/files/download", headers: { cookie: s.cookie }, agent: false }, resolve);
    req.on("error", reject);
    req.end();
  });
  expect(res.statusCode).toBe(200);
  const chunks: Buffer[] = [];
  let released = false;
  for await (const chunk of res) {
    chunks.push(chunk as Buffer);
    // The upstream waits for this before it writes more: a buffering proxy would never pass the first chunk on.
    if (!released) {
      released = true;
      expect(Buffer.concat(chunks).length).toBeLessThanOrEqual(CHUNK);
      s.up.releaseDownload();
    }
  }
  const body = Buffer.concat(chunks);
  expect([body.length, sha256(body)]).toEqual([MIB, sha256(BIG)]);
  expect(res.trailers["x-checksum"]).toBe(sha256(BIG));
});

test("an upstream 401 invalid_token: one refresh at Cognito and one retry with the new token", async () => {
  const s = await signedIn();
  await raw(s.app.url, "/api/me", { headers: { cookie: s.cookie } });
  const first = s.up.seen.at(-1)!.headers.authorization!;
  s.up.refusedTokens.add(first.slice(7));
  const answer = await raw(s.app.url, "/api/me", { headers: { cookie: s.cookie } });
  expect(answer.status).toBe(200);
  expect(s.issuer.oauth!.counters.refresh_token).toBe(1);
  const second = s.up.seen.at(-1)!.headers.authorization!;
  expect(second).not.toBe(first);
});

test("an upstream 401 invalid_token on a small POST: one refresh, and its body sent again", async () => {
  const s = await signedIn();
  await raw(s.app.url, "/api/me", { headers: { cookie: s.cookie } });
  s.up.refusedTokens.add(s.up.seen.at(-1)!.headers.authorization!.slice(7));
  const posted = await raw(s.app.url, "/api/echo", { method: "POST", headers: post(s), body: "replayed body" });
  expect([posted.status, JSON.parse(posted.text)]).toEqual([201, { method: "POST", body: "replayed body" }]);
  expect(s.issuer.oauth!.counters.refresh_token).toBe(1);
  // The first try was refused before the body was read; the second carried it.
  expect(s.up.seen.slice(-2).map((seen) => [seen.url, seen.body])).toEqual([
    ["/v1/echo", undefined],
    ["/v1/echo", "replayed body"],
  ]);
});

test("an upstream 401 on a streamed body: one refresh, the 401 goes back (not replayed), and the next call carries the new token", async () => {
  const s = await signedIn();
  await raw(s.app.url, "/api/me", { headers: { cookie: s.cookie } });
  const first = s.up.seen.at(-1)!.headers.authorization!.slice(7);
  s.up.refusedTokens.add(first);
  const upload = await raw(s.app.url, "/api/upload", { method: "PUT", headers: { ...post(s), "content-type": "application/octet-stream" }, body: BIG });
  expect(upload.status).toBe(401);
  expect(upload.headers["www-authenticate"]).toMatch(/invalid_token/);
  expect(s.issuer.oauth!.counters.refresh_token).toBe(1);
  const again = await raw(s.app.url, "/api/upload", { method: "PUT", headers: { ...post(s), "content-type": "application/octet-stream" }, body: BIG });
  expect([again.status, JSON.parse(again.text)]).toEqual([200, { bytes: MIB }]);
});

test("an upstream that refuses every token: one refresh, not one per request", async () => {
  const s = await signedIn();
  await raw(s.app.url, "/api/me", { headers: { cookie: s.cookie } });
  s.up.refusedTokens.add(s.up.seen.at(-1)!.headers.authorization!.slice(7));
  const first = await raw(s.app.url, "/api/me", { headers: { cookie: s.cookie } });
  s.up.refusedTokens.add(s.up.seen.at(-1)!.headers.authorization!.slice(7));
  expect(first.status).toBe(200);
  for (let i = 0; i < 5; i++) expect((await raw(s.app.url, "/api/me", { headers: { cookie: s.cookie } })).status).toBe(401);
  expect(s.issuer.oauth!.counters.refresh_token).toBe(1);
});

test("upstream down: 503 with Retry-After; upstream silent: 502 after the timeout; never a 401, the session kept", async () => {
  const s = await signedIn();
  const slow = await raw(s.app.url, "/api/slow", { headers: { cookie: s.cookie } });
  expect([slow.status, JSON.parse(slow.text).error]).toEqual([502, "bad_gateway"]);
  await s.up.close();
  const down = await raw(s.app.url, "/files/download", { headers: { cookie: s.cookie } });
  expect([down.status, JSON.parse(down.text).error, down.headers["retry-after"]]).toEqual([503, "temporarily_unavailable", "5"]);
  for (const answer of [slow, down]) expect(answer.headers["set-cookie"]).toBeUndefined();
  expect((await s.browser.request("/auth/session")).json()).toMatchObject({ authenticated: true, username: "alice" });
  expect(s.app.events.filter((event) => event.type === "upstream_unavailable").length).toBe(2);
  expect(s.app.events.filter((event) => event.type === "session_expired")).toEqual([]);
});

test("Cognito down when the token is due: 503, the session kept; then it refreshes", async () => {
  const s = await signedIn({ accessTokenLifetimeSeconds: 3 }, { refreshMarginSeconds: 2 });
  await sleep(1100);
  s.issuer.oauth!.setTokenFault({ mode: "down" });
  const during = await raw(s.app.url, "/api/me", { headers: { cookie: s.cookie } });
  expect([during.status, during.headers["retry-after"], during.headers["set-cookie"]]).toEqual([503, expect.any(String), undefined]);
  s.issuer.oauth!.setTokenFault(null);
  const after = await raw(s.app.url, "/api/me", { headers: { cookie: s.cookie } });
  expect(after.status).toBe(200);
  // The refused try and the one that worked.
  expect(s.issuer.oauth!.counters.refresh_token).toBe(2);
  expect(s.app.events.filter((event) => event.type === "session_expired")).toEqual([]);
});
