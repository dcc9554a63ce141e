import { createPublicKey, type JsonWebKey } from "node:crypto";
import { createTestIssuer, type JwksFault, type TestIssuer } from "../src/index.js";
import { fetchJwks } from "./helpers.js";

function errorCode(error: unknown): unknown {
  return (error as { cause?: { code?: unknown } }).cause?.code;
}

describe("JWKS faults", () => {
  let issuer: TestIssuer;
  beforeAll(async () => {
    issuer = await createTestIssuer();
    issuer.rotateKey(); // two published keys, as during a real rotation
  });
  afterAll(() => issuer.close());
  beforeEach(() => {
    issuer.setFault(null);
    issuer.resetCounters();
  });

  it("down: destroys the connection, and the request is still counted", async () => {
    issuer.setFault({ mode: "down" });
    const error = await fetch(issuer.jwksUri).then(
      () => undefined,
      (e: unknown) => e,
    );
    // fetch's TypeError comes from another realm than Jest's, so compare by name.
    expect(error).toMatchObject({ name: "TypeError", message: "fetch failed" });
    expect(["UND_ERR_SOCKET", "ECONNRESET"]).toContain(errorCode(error));
    expect(issuer.jwksRequests).toBe(1);
  });

  it("down: affects only the JWKS endpoint", async () => {
    issuer.setFault({ mode: "down" });
    const response = await fetch(`${issuer.issuer}/.well-known/openid-configuration`);
    expect(response.status).toBe(200);
  });

  it("status: answers 500 with a small JSON body by default", async () => {
    issuer.setFault({ mode: "status" });
    const response = await fetch(issuer.jwksUri);
    expect(response.status).toBe(500);
    expect(response.headers.get("content-type")).toBe("application/json");
    const body = await response.text();
    expect(body.length).toBeLessThan(200);
    expect(JSON.parse(body)).toEqual({ message: "Internal Server Error" });
    expect(issuer.jwksRequests).toBe(1);
  });

  it.each([429, 503, 404, 403])("status: answers %i when asked", async (status) => {
    issuer.setFault({ mode: "status", status });
    const response = await fetch(issuer.jwksUri);
    expect(response.status).toBe(status);
    expect(await response.json()).toHaveProperty("message");
  });

  it("status: 204 has no body", async () => {
    issuer.setFault({ mode: "status", status: 204 });
    const response = await fetch(issuer.jwksUri);
    expect(response.status).toBe(204);
    expect(await response.text()).toBe("");
  });

  it.each([99, 100, 600, 2.5])("status: rejects status %p", (status) => {
    expect(() => issuer.setFault({ mode: "status", status })).toThrow(RangeError);
  });

  it("html: answers 200 with an HTML page", async () => {
    issuer.setFault({ mode: "html" });
    const response = await fetch(issuer.jwksUri);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/html/);
    const body = await response.text();
    expect(body).toMatch(/^<!DOCTYPE html>/);
    expect(() => JSON.parse(body)).toThrow(SyntaxError);
  });

  it("garbage: answers 200 application/json that does not parse", async () => {
    issuer.setFault({ mode: "garbage" });
    const response = await fetch(issuer.jwksUri);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/json");
    const body = await response.text();
    expect(body.length).toBeGreaterThan(0);
    expect(() => JSON.parse(body)).toThrow(SyntaxError);
  });

  it.each(["RS256", "ES256"] as const)("invalid-keys: serves well-formed JSON whose keys are unusable (%s)", async (algorithm) => {
    const local = await createTestIssuer({ algorithm });
    try {
      local.setFault({ mode: "invalid-keys" });
      const response = await fetch(local.jwksUri);
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toBe("application/json");
      const { keys } = (await response.json()) as { keys: JsonWebKey[] };
      const kid = local.kid;
      const secondKid = local.rotateKey();
      expect(keys.map((k) => k.kid)).toEqual([kid]);
      for (const jwk of keys) {
        expect(jwk.kty).toBe("oct");
        const usableAsymmetric = (() => {
          try {
            return createPublicKey({ key: jwk, format: "jwk" }).type === "public";
          } catch {
            return false;
          }
        })();
        expect(usableAsymmetric).toBe(false);
      }
      // Follows the published keys.
      const again = (await (await fetch(local.jwksUri)).json()) as { keys: JsonWebKey[] };
      expect(again.keys.map((k) => [k.kid, k.kty])).toEqual([[kid, "oct"], [secondKid, "oct"]]);
      // Healthy again afterwards.
      local.setFault(null);
      expect((await fetchJwks(local.jwksUri)).keys.map((k) => k.kid)).toEqual([kid, secondKid]);
    } finally {
      await local.close();
    }
  });

  it("empty: answers 200 with no keys", async () => {
    issuer.setFault({ mode: "empty" });
    const response = await fetch(issuer.jwksUri);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ keys: [] });
  });

  it("slow: delays the answer, then serves the current keys", async () => {
    issuer.setFault({ mode: "slow", delayMs: 200 });
    const started = performance.now();
    const response = await fetch(issuer.jwksUri);
    const body = await response.json();
    const elapsed = performance.now() - started;
    expect(response.status).toBe(200);
    expect(body).toEqual(issuer.jwks());
    expect(elapsed).toBeGreaterThanOrEqual(190);
    expect(issuer.jwksRequests).toBe(1);
  });

  it("slow: a client that gives up does not break the server", async () => {
    issuer.setFault({ mode: "slow", delayMs: 5_000 });
    await expect(fetch(issuer.jwksUri, { signal: AbortSignal.timeout(50) })).rejects.toThrow();
    issuer.setFault(null);
    expect((await fetch(issuer.jwksUri)).status).toBe(200);
    expect(issuer.jwksRequests).toBe(2);
  });

  it.each([-1, Number.NaN, 2 ** 31])("slow: rejects delayMs %p", (delayMs) => {
    expect(() => issuer.setFault({ mode: "slow", delayMs })).toThrow(RangeError);
  });

  it("huge: streams a chunked, valid JSON JWKS of exactly the requested size", async () => {
    issuer.setFault({ mode: "huge", bytes: 300_000 });
    const response = await fetch(issuer.jwksUri);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/json");
    expect(response.headers.get("content-length")).toBeNull();
    const body = await response.text();
    expect(Buffer.byteLength(body)).toBe(300_000);
    const { keys } = JSON.parse(body) as { keys: JsonWebKey[] };
    // The real keys come first, so only a size limit stops a verifier from using them.
    expect(keys.slice(0, 2).map((k) => k.kid)).toEqual(issuer.kids);
    expect(keys.length).toBeGreaterThan(100);
  });

  it("huge: defaults to 5 MiB and can announce its length", async () => {
    issuer.setFault({ mode: "huge", contentLength: true });
    const response = await fetch(issuer.jwksUri);
    expect(response.headers.get("content-length")).toBe(String(5 * 1024 * 1024));
    const body = Buffer.from(await response.arrayBuffer());
    expect(body.length).toBe(5 * 1024 * 1024);
    expect(() => JSON.parse(body.toString("utf8"))).not.toThrow();
  });

  it("huge: stops writing when the client goes away", async () => {
    issuer.setFault({ mode: "huge", bytes: 200 * 1024 * 1024 });
    const response = await fetch(issuer.jwksUri);
    const reader = response.body!.getReader();
    const { value } = await reader.read();
    expect(value!.length).toBeGreaterThan(0);
    await reader.cancel();
    issuer.setFault(null);
    expect((await fetchJwks(issuer.jwksUri)).keys).toHaveLength(2);
  });

  it("rejects unknown modes", () => {
    expect(() => issuer.setFault({ mode: "flaky" } as unknown as JwksFault)).toThrow(TypeError);
  });

  it("setFault(null) restores a healthy endpoint", async () => {
    issuer.setFault({ mode: "status", status: 503 });
    expect((await fetch(issuer.jwksUri)).status).toBe(503);
    issuer.setFault(null);
    expect(await fetchJwks(issuer.jwksUri)).toEqual(issuer.jwks());
  });
});

describe("close() with faults pending", () => {
  it("does not hang while a slow response is pending, and the client is cut off", async () => {
    const issuer = await createTestIssuer();
    issuer.setFault({ mode: "slow", delayMs: 10_000 });
    const pending = fetch(issuer.jwksUri).then(
      () => "answered",
      () => "rejected",
    );
    // Wait until the server has the request, so a timer is really pending.
    while (issuer.jwksRequests === 0) await new Promise((r) => setTimeout(r, 5));
    const started = performance.now();
    await issuer.close();
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(await pending).toBe("rejected");
  });

  it("does not hang while a huge response is streaming", async () => {
    const issuer = await createTestIssuer();
    issuer.setFault({ mode: "huge", bytes: 500 * 1024 * 1024 });
    const response = await fetch(issuer.jwksUri);
    const reader = response.body!.getReader();
    await reader.read(); // take one chunk and then stop reading: the server is blocked on back-pressure
    const started = performance.now();
    await issuer.close();
    expect(performance.now() - started).toBeLessThan(1_000);
    // What was buffered can still be read, then the stream must fail, not end cleanly.
    let received = 0;
    const outcome = await (async () => {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return "ended";
        received += value.length;
      }
    })().catch(() => "failed");
    expect(outcome).toBe("failed");
    expect(received).toBeLessThan(500 * 1024 * 1024);
  });
});
