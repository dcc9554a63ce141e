// @cognito-bearer/bff/next's proxyHandlers (the full BFF in a Next.js app):
// real web Requests in, Responses out, real upstreams (an Express API and a
// streaming node:http one) reached with fetch.
import { BIG, CHUNK, JWT, MIB, sha256 } from "./proxy-support";
import { SESSION, serverFor, setupsPerTest, type NextSetup } from "./next-support";
import { claimsOf, sleep } from "./support";

jest.setTimeout(30_000);
const { start, signedIn } = setupsPerTest();

/** Every response the proxy gave, with its text: none may carry a token. */
const seenByBrowser: string[] = [];
async function proxied(s: NextSetup, path: string, init: Parameters<NextSetup["browser"]["call"]>[2] = {}): Promise<{ response: Response; text: string }> {
  const method = init.method ?? "GET";
  const response = await s.browser.call(s.bff.proxyHandlers[method as "GET"], path, init);
  const text = await response.text();
  seenByBrowser.push(`${[...response.headers].map(([name, value]) => `${name}: ${value}`).join("\n")}\n\n${text}`);
  return { response, text };
}

afterAll(() => {
  // Every proxied answer of this file, errors included: headers and body.
  expect(seenByBrowser.length).toBeGreaterThan(0);
  for (const answer of seenByBrowser) expect(answer).not.toMatch(JWT);
});

test("GET through proxyHandlers: the upstream gets the session's token, not the browser's cookie or Authorization; X-Forwarded-* from the request", async () => {
  const s = await signedIn();
  const { response, text } = await proxied(s, "/api/me?x=1", {
    headers: { authorization: "Bearer not-this-one", "x-forwarded-for": "6.6.6.6", "x-forwarded-host": "evil.example", forwarded: "for=6.6.6.6", host: "app.example" },
  });
  expect(response.status).toBe(200);
  expect(JSON.parse(text)).toEqual({ sub: expect.any(String), username: "alice" });
  const seen = s.up.seen.at(-1)!;
  expect(seen.url).toBe("/v1/me?x=1");
  expect(claimsOf(seen.headers.authorization!.slice(7))).toMatchObject({ token_use: "access", username: "alice" });
  expect([seen.headers.cookie, seen.headers.forwarded]).toEqual([undefined, undefined]);
  // A web Request does not show the peer: without trustProxy, no X-Forwarded-For at all rather than the browser's.
  expect([seen.headers["x-forwarded-for"], seen.headers["x-forwarded-proto"], seen.headers["x-forwarded-host"]]).toEqual([undefined, "https", "app.example"]);
  expect(seen.headers.host).toBe(new URL(s.up.apiUrl).host);
  expect(response.headers.get("set-cookie")).toBeNull();
});

test("with trustProxy, X-Forwarded-* from the load balancer are kept", async () => {
  const s = await signedIn({}, { proxy: { trustProxy: true } });
  await proxied(s, "/api/me", { headers: { "x-forwarded-for": "203.0.113.9", "x-forwarded-host": "app.example.com", "x-forwarded-proto": "http" } });
  const seen = s.up.seen.at(-1)!;
  expect([seen.headers["x-forwarded-for"], seen.headers["x-forwarded-proto"], seen.headers["x-forwarded-host"]]).toEqual(["203.0.113.9", "http", "app.example.com"]);
});

test("status, headers and the allowed cookie are kept; hop-by-hop fields and other upstream cookies are dropped, both ways", async () => {
  const s = await signedIn();
  const { response } = await proxied(s, "/api/headers?x=1", {
    headers: { connection: "keep-alive, x-drop-me", "x-drop-me": "1", "keep-alive": "timeout=9", te: "trailers", "proxy-authorization": "Basic eA==", "x-kept": "yes", "x-csrf": "1" },
  });
  expect(response.status).toBe(203);
  expect(response.headers.get("x-custom")).toBe("kept");
  for (const name of ["x-hop-named", "proxy-authenticate", "x-cb-session", "keep-alive", "connection", "transfer-encoding"]) expect({ name, value: response.headers.get(name) }).toEqual({ name, value: null });
  expect(response.headers.getSetCookie()).toEqual(["theme=dark; Path=/"]);
  const seen = s.up.seen.at(-1)!;
  expect(seen.headers["x-kept"]).toBe("yes");
  for (const name of ["x-drop-me", "te", "proxy-authorization", "x-csrf"]) expect({ name, value: seen.headers[name] }).toEqual({ name, value: undefined });
  expect(seen.headers["keep-alive"]).not.toBe("timeout=9");
});

test("nothing outside the allowlist is reachable: dot segments, encoded slashes and backslashes, NUL, double encoding, Host tricks", async () => {
  const s = await signedIn();
  const secret = new URL(s.up.secretUrl).host;
  const refused = [
    "/api/..%2finternal",
    "/api/..%2Finternal",
    "/api/..%5cinternal",
    "/api/%252e%252e/internal",
    "/api/%2e%252e/internal",
    "/api//internal",
    "/api/me%00",
    "/api/%",
    "/api/x%2f..%2f..%2finternal",
  ];
  for (const path of refused) {
    const { response, text } = await proxied(s, path);
    expect({ path, status: response.status }).toEqual({ path, status: 400 });
    expect(text).not.toContain("internal\":true");
  }
  // What the URL parser resolves before anyone sees it (as Next's router does) lands outside every prefix: 404.
  for (const path of ["/api/../internal", "/api/%2e%2e/internal", "/api/.%2E/internal", "/apiX/me", "/", "/internal"]) {
    const { response } = await proxied(s, path);
    expect({ path, status: response.status }).toEqual({ path, status: 404 });
  }
  // Host tricks: the Host header names no upstream; the allowlist decides, and a malformed one is refused.
  const tricked = await proxied(s, "/api/me", { headers: { host: secret } });
  expect(tricked.response.status).toBe(200);
  expect([s.up.seen.at(-1)!.headers.host, s.up.seen.at(-1)!.headers["x-forwarded-host"]]).toEqual([new URL(s.up.apiUrl).host, secret]);
  expect((await proxied(s, "/api/me", { headers: { host: "a/b@evil" } })).response.status).toBe(400);
  expect(s.up.forbiddenHits).toEqual([]);
  expect(s.events.filter((event) => event.type === "refused").length).toBe(refused.length);
});

test("CSRF: every state-changing method needs the custom header and an allowed Origin; GET, HEAD and OPTIONS do not", async () => {
  const s = await signedIn();
  for (const method of ["POST", "PUT", "PATCH", "DELETE"]) {
    const before = s.up.seen.length;
    const tries: Record<string, string>[] = [{ origin: s.browser.origin }, { "x-csrf": "1", origin: "https://evil.example" }, { "x-csrf": "1" }, { "x-csrf": "0", origin: s.browser.origin }];
    const statuses = [];
    for (const headers of tries) statuses.push((await proxied(s, "/api/echo", { method, headers: { ...headers, "content-type": "text/plain" }, body: "x" })).response.status);
    expect({ method, statuses }).toEqual({ method, statuses: [403, 403, 403, 403] });
    expect(s.up.seen.length).toBe(before);
    const ok = await proxied(s, "/api/echo", { method, headers: s.browser.spa({ "content-type": "text/plain" }), body: `body of ${method}` });
    expect({ method, status: ok.response.status, body: JSON.parse(ok.text) }).toEqual({ method, status: method === "POST" ? 201 : 200, body: { method, body: `body of ${method}` } });
  }
  for (const method of ["GET", "HEAD", "OPTIONS"]) {
    const { response, text } = await proxied(s, "/api/echo", { method });
    expect({ method, status: response.status, empty: text === "" }).toEqual({ method, status: 200, empty: method === "HEAD" });
  }
});

test("no session, or an unknown one: 401 session_expired (marked x-cb-session), nothing forwarded", async () => {
  const s = await start();
  const before = s.up.seen.length;
  const none = await proxied(s, "/api/me");
  s.browser.jar.set(SESSION, "A".repeat(43));
  const unknown = await proxied(s, "/api/me");
  for (const { response, text } of [none, unknown]) expect([response.status, JSON.parse(text).error, response.headers.get("x-cb-session")]).toEqual([401, "session_expired", "expired"]);
  expect(s.up.seen.length).toBe(before);
});

/** A request body that sends its first chunk, waits for `gate`, then sends the rest of the 1 MiB. */
function gatedBody(gate: Promise<unknown>): ReadableStream<Uint8Array> {
  let sent = 0;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (sent === CHUNK) await gate;
      if (sent >= MIB) return controller.close();
      controller.enqueue(new Uint8Array(BIG.subarray(sent, sent + CHUNK)));
      sent += CHUNK;
    },
  });
}

test("1 MiB upload streams through: the upstream has the first bytes before the browser has sent the rest (without and with a Content-Length)", async () => {
  const s = await signedIn();
  for (const length of [undefined, String(MIB)]) {
    const firstBytes = s.up.firstUploadBytes();
    // A proxy that read the body first would wait for the rest forever: the gate would time out instead.
    const gate = Promise.race([firstBytes.then(() => "streamed"), sleep(5000).then(() => "timed out")]);
    const headers = s.browser.spa({ "content-type": "application/octet-stream", ...(length === undefined ? {} : { "content-length": length }) });
    const { response, text } = await proxied(s, "/files/upload", { method: "PUT", headers, body: gatedBody(gate) });
    expect({ length, gate: await gate, status: response.status, body: JSON.parse(text) }).toEqual({ length, gate: "streamed", status: 200, body: { bytes: MIB, sha256: sha256(BIG), trailer: null } });
  }
});

test("1 MiB download streams through: the browser has the first chunk before the upstream has written the rest", async () => {
  const s = await signedIn();
  const response = await s.browser.call(s.bff.proxyHandlers.GET, "/files/download");
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toBe("application/octet-stream");
  // fetch has no trailers: the announcement of one is not passed on either.
  expect(response.headers.get("trailer")).toBeNull();
  const reader = response.body!.getReader();
  const chunks: Uint8Array[] = [];
  let received = 0;
  let released = false;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    received += value.length;
    // The upstream waits for this before it writes more: a buffering proxy would never pass the first chunk on.
    if (!released) {
      released = true;
      expect(received).toBeLessThanOrEqual(CHUNK);
      s.up.releaseDownload();
    }
  }
  const body = Buffer.concat(chunks);
  expect([body.length, sha256(body)]).toEqual([MIB, sha256(BIG)]);
  seenByBrowser.push(body.toString("latin1"));
});

test("a download that stalls longer than proxy.timeoutMs ends in an error, never in a body that looks complete", async () => {
  const s = await signedIn();
  const response = await s.browser.call(s.bff.proxyHandlers.GET, "/files/download");
  expect(response.status).toBe(200);
  const reader = response.body!.getReader();
  let received = 0;
  const started = Date.now();
  // The upstream sends its first chunk and then waits (never released here): the proxy's idle timer (1500 ms) ends it.
  const ending = await (async () => {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return "done";
      received += value.length;
    }
  })().catch((err: unknown) => err);
  expect(ending).toBeInstanceOf(Error);
  expect(received).toBeLessThanOrEqual(CHUNK);
  expect(Date.now() - started).toBeGreaterThanOrEqual(1400);
});

test("an upstream 401 invalid_token: one refresh at Cognito and one retry with the new token", async () => {
  const s = await signedIn();
  await proxied(s, "/api/me");
  const first = s.up.seen.at(-1)!.headers.authorization!;
  s.up.refusedTokens.add(first.slice(7));
  const again = await proxied(s, "/api/me");
  expect(again.response.status).toBe(200);
  expect(s.issuer.oauth!.counters.refresh_token).toBe(1);
  const second = s.up.seen.at(-1)!.headers.authorization!;
  expect(second).not.toBe(first);
});

test("an upstream 401 invalid_token on a small POST: one refresh, and its body sent again", async () => {
  const s = await signedIn();
  await proxied(s, "/api/me");
  s.up.refusedTokens.add(s.up.seen.at(-1)!.headers.authorization!.slice(7));
  const posted = await proxied(s, "/api/echo", { method: "POST", headers: s.browser.spa({ "content-type": "text/plain", "content-length": "13" }), body: "replayed body" });
  expect([posted.response.status, JSON.parse(posted.text)]).toEqual([201, { method: "POST", body: "replayed body" }]);
  expect(s.issuer.oauth!.counters.refresh_token).toBe(1);
  expect(s.up.seen.slice(-2).map((seen) => [seen.url, seen.body])).toEqual([
    ["/v1/echo", undefined],
    ["/v1/echo", "replayed body"],
  ]);
});

test("an upstream 401 on a streamed body: one refresh, the 401 goes back (not replayed); an upstream that refuses every token: still one refresh", async () => {
  const s = await signedIn();
  await proxied(s, "/api/me");
  s.up.refusedTokens.add(s.up.seen.at(-1)!.headers.authorization!.slice(7));
  const upload = await proxied(s, "/api/upload", { method: "PUT", headers: s.browser.spa({ "content-type": "application/octet-stream" }), body: new Blob([BIG]).stream() });
  expect([upload.response.status, upload.response.headers.get("www-authenticate")]).toEqual([401, expect.stringContaining("invalid_token")]);
  expect(s.issuer.oauth!.counters.refresh_token).toBe(1);
  const retried = await proxied(s, "/api/upload", { method: "PUT", headers: s.browser.spa({ "content-type": "application/octet-stream" }), body: new Blob([BIG]).stream() });
  expect([retried.response.status, JSON.parse(retried.text)]).toEqual([200, { bytes: MIB }]);
  // Now the new token is refused too: the upstream's fault, not one refresh per request.
  s.up.refusedTokens.add(s.up.seen.at(-1)!.headers.authorization!.slice(7));
  for (let i = 0; i < 5; i++) expect((await proxied(s, "/api/me")).response.status).toBe(401);
  expect(s.issuer.oauth!.counters.refresh_token).toBe(1);
});

test("upstream silent: 502 after the timeout; upstream down: 503 with Retry-After; never a 401, the session kept", async () => {
  const s = await signedIn();
  const slow = await proxied(s, "/api/slow");
  expect([slow.response.status, JSON.parse(slow.text).error]).toEqual([502, "bad_gateway"]);
  await s.up.close();
  const down = await proxied(s, "/files/download");
  expect([down.response.status, JSON.parse(down.text).error, down.response.headers.get("retry-after")]).toEqual([503, "temporarily_unavailable", "5"]);
  for (const { response } of [slow, down]) expect(response.headers.get("set-cookie")).toBeNull();
  expect(await serverFor(s).getSession()).toMatchObject({ username: "alice" });
  expect(s.events.filter((event) => event.type === "upstream_unavailable").length).toBe(2);
  expect(s.events.filter((event) => event.type === "session_expired")).toEqual([]);
});

test("50 concurrent proxied calls on an expiring token: one refresh at Cognito, every call answered with the new token", async () => {
  // 4 s of freshness before the margin: under CI load, sign-in and the first call must not already reach it.
  const s = await signedIn({ accessTokenLifetimeSeconds: 8 }, { refreshMarginSeconds: 4 });
  const before = s.up.seen.length;
  await proxied(s, "/api/me");
  const old = s.up.seen.at(-1)!.headers.authorization;
  await sleep(4100);
  const answers = await Promise.all(Array.from({ length: 50 }, () => proxied(s, "/api/me")));
  expect(answers.map(({ response }) => response.status)).toEqual(Array(50).fill(200));
  expect(s.issuer.oauth!.counters.refresh_token).toBe(1);
  const tokens = new Set(s.up.seen.slice(before + 1).map((seen) => seen.headers.authorization));
  expect(tokens.size).toBe(1);
  expect(tokens.has(old)).toBe(false);
});

test("Cognito down when the token is due: 503, the session kept; then it refreshes", async () => {
  const s = await signedIn({ accessTokenLifetimeSeconds: 3 }, { refreshMarginSeconds: 2 });
  await sleep(1100);
  s.issuer.oauth!.setTokenFault({ mode: "down" });
  const during = await proxied(s, "/api/me");
  expect([during.response.status, during.response.headers.get("retry-after"), during.response.headers.get("set-cookie")]).toEqual([503, expect.any(String), null]);
  s.issuer.oauth!.setTokenFault(null);
  expect((await proxied(s, "/api/me")).response.status).toBe(200);
  expect(s.issuer.oauth!.counters.refresh_token).toBe(2);
  expect(s.events.filter((event) => event.type === "session_expired")).toEqual([]);
});

test("without upstreams every path is a 404; a malformed Content-Length is a 400", async () => {
  const plain = await start({}, { upstreams: undefined, proxy: undefined });
  expect((await proxied(plain, "/api/me")).response.status).toBe(404);
  const s = await signedIn();
  const before = s.up.seen.length;
  const bad = await proxied(s, "/api/echo", { method: "POST", headers: s.browser.spa({ "content-length": "x1" }), body: "abc" });
  expect(bad.response.status).toBe(400);
  expect(s.up.seen.length).toBe(before);
});

test("the shared rules (access.ts, headers.ts) hold here too: no cookie cleared without one, forged front-proxy headers dropped, a header echoing the token dropped, answers private with Vary: Cookie", async () => {
  const s = await signedIn();
  const bare = await proxied(s, "/api/me", { headers: { cookie: "" } });
  expect([bare.response.status, bare.response.headers.get("set-cookie")]).toEqual([401, null]);
  // (TRACE cannot reach this handler: a web Request refuses the method.)
  const echo = await proxied(s, "/api/echo-auth", { headers: { "x-original-url": "/admin", "x-forwarded-prefix": "/admin", "x-amzn-oidc-identity": "root", "x-http-method-override": "DELETE" } });
  expect(echo.response.status).toBe(200);
  expect(echo.response.headers.get("x-echo-auth")).toBeNull();
  const seen = s.up.seen.at(-1)!;
  for (const name of ["x-original-url", "x-forwarded-prefix", "x-amzn-oidc-identity", "x-http-method-override"]) expect([name, seen.headers[name]]).toEqual([name, undefined]);
  expect([echo.response.headers.get("cache-control"), echo.response.headers.get("vary")]).toEqual(["no-store", "Cookie"]);
  // The protocol is the app's configured one (https here), not request.url's, which Next builds from the client's X-Forwarded-Proto.
  const asNextBuildsIt = await proxied(s, "http://app.example/api/me");
  expect(asNextBuildsIt.response.status).toBe(200);
  expect(s.up.seen.at(-1)!.headers["x-forwarded-proto"]).toBe("https");
  // The session is still there.
  expect((await proxied(s, "/api/me")).response.status).toBe(200);
});
