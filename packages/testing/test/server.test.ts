import { request } from "node:http";
import { connect } from "node:net";
import { networkInterfaces } from "node:os";
import { createTestIssuer, type TestIssuer } from "../src/index.js";
import { fetchJwks } from "./helpers.js";

function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.setTimeout(2000);
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
    socket.once("timeout", () => {
      socket.destroy();
      resolve(false);
    });
  });
}

describe("JWKS server", () => {
  let issuer: TestIssuer;
  beforeAll(async () => {
    issuer = await createTestIssuer();
  });
  afterAll(() => issuer.close());
  beforeEach(() => {
    issuer.setFault(null);
    issuer.resetCounters();
  });

  it("serves the JWKS as application/json", async () => {
    const response = await fetch(issuer.jwksUri);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/json");
    expect(await response.json()).toEqual(issuer.jwks());
  });

  it("serves an OpenID discovery document", async () => {
    const response = await fetch(`${issuer.issuer}/.well-known/openid-configuration`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body.issuer).toBe(issuer.issuer);
    expect(body.jwks_uri).toBe(issuer.jwksUri);
    expect(body.id_token_signing_alg_values_supported).toEqual(["RS256"]);
  });

  it.each(["/", "/other-pool/.well-known/jwks.json", "/.well-known/jwks.json"])("answers 404 JSON for %s", async (path) => {
    const response = await fetch(`${issuer.url}${path}`);
    expect(response.status).toBe(404);
    expect(response.headers.get("content-type")).toBe("application/json");
    expect(await response.json()).toMatchObject({ error: "not_found" });
  });

  it("answers 405 for other methods on a known path, without counting them", async () => {
    const response = await fetch(issuer.jwksUri, { method: "POST", body: "x" });
    expect(response.status).toBe(405);
    expect(response.headers.get("allow")).toBe("GET");
    expect(issuer.jwksRequests).toBe(0);
  });

  it("ignores query strings when routing", async () => {
    const response = await fetch(`${issuer.jwksUri}?cache-bust=1`);
    expect(response.status).toBe(200);
  });

  it("counts JWKS requests, not other routes, and resets the counter", async () => {
    expect(issuer.jwksRequests).toBe(0);
    await fetchJwks(issuer.jwksUri);
    await fetchJwks(issuer.jwksUri);
    await fetch(`${issuer.issuer}/.well-known/openid-configuration`).then((r) => r.arrayBuffer());
    await fetch(`${issuer.url}/nope`).then((r) => r.arrayBuffer());
    expect(issuer.jwksRequests).toBe(2);
    issuer.resetCounters();
    expect(issuer.jwksRequests).toBe(0);
  });

  it("counts concurrent requests", async () => {
    await Promise.all(Array.from({ length: 5 }, () => fetchJwks(issuer.jwksUri)));
    expect(issuer.jwksRequests).toBe(5);
  });

  it("serves rotations immediately", async () => {
    const kid = issuer.rotateKey();
    const { keys } = await fetchJwks(issuer.jwksUri);
    expect(keys.map((k) => k.kid)).toContain(kid);
  });

  it("survives a malformed request", async () => {
    await new Promise<void>((resolve) => {
      const socket = connect({ host: "127.0.0.1", port: issuer.port }, () => socket.end("NOT HTTP\r\n\r\n"));
      socket.on("error", () => {});
      socket.on("close", () => resolve());
      socket.resume();
    });
    expect((await fetch(issuer.jwksUri)).status).toBe(200);
  });

  it("survives a client that aborts mid-request", async () => {
    await new Promise<void>((resolve) => {
      const req = request(issuer.jwksUri);
      req.on("error", () => resolve());
      req.on("response", (res) => {
        res.destroy();
        resolve();
      });
      req.end();
      req.destroy();
    });
    expect((await fetch(issuer.jwksUri)).status).toBe(200);
  });
});

describe("binding", () => {
  it("binds to 127.0.0.1 by default and nowhere else", async () => {
    const issuer = await createTestIssuer();
    try {
      expect(issuer.host).toBe("127.0.0.1");
      expect(new URL(issuer.url).hostname).toBe("127.0.0.1");
      expect(await canConnect("127.0.0.1", issuer.port)).toBe(true);
      const external = Object.values(networkInterfaces())
        .flat()
        .filter((i) => i && !i.internal && i.family === "IPv4")
        .map((i) => i!.address);
      for (const address of external) {
        expect(await canConnect(address, issuer.port)).toBe(false);
      }
    } finally {
      await issuer.close();
    }
  });

  it("listens on a given port", async () => {
    const first = await createTestIssuer();
    const port = first.port;
    await first.close();
    const issuer = await createTestIssuer({ port });
    try {
      expect(issuer.port).toBe(port);
      expect(issuer.url).toBe(`http://127.0.0.1:${port}`);
      expect((await fetch(issuer.jwksUri)).status).toBe(200);
    } finally {
      await issuer.close();
    }
  });

  it("rejects when the port is taken", async () => {
    const issuer = await createTestIssuer();
    try {
      await expect(createTestIssuer({ port: issuer.port })).rejects.toThrow(/EADDRINUSE/);
    } finally {
      await issuer.close();
    }
  });
});

describe("close()", () => {
  it("stops the server, is idempotent, and keeps minting working", async () => {
    const issuer = await createTestIssuer();
    await fetchJwks(issuer.jwksUri); // leaves a keep-alive connection open
    const first = issuer.close();
    const second = issuer.close();
    await expect(first).resolves.toBeUndefined();
    await expect(second).resolves.toBeUndefined();
    await expect(issuer.close()).resolves.toBeUndefined();
    expect(await canConnect("127.0.0.1", issuer.port)).toBe(false);
    await expect(fetch(issuer.jwksUri)).rejects.toThrow();
    expect(issuer.mintAccessToken().split(".")).toHaveLength(3);
  });
});
