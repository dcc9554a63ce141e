// clientCredentialsFetch against a real API (node:http + the core verifier)
// and the real test issuer: the bearer token on every call, one retry with a
// new token after 401 invalid_token for replayable requests, and never a call
// to the API without a token.
import type { IncomingMessage, ServerResponse } from "node:http";
import { clientCredentialsFetch, ClientCredentialsError } from "@cognito-bearer/client-credentials";
import { createVerifier, type Verifier } from "@cognito-bearer/core";
import { closedAfterEach } from "../../../test/support/resources";
import { CLIENT_ID, harness } from "./helpers";

const h = harness();
const resources = closedAfterEach();

interface Api {
  url: string;
  /** Authorization headers seen, in order ("" for none). */
  seen: string[];
  /** Tokens the API refuses as revoked. */
  revoked: Set<string>;
  /** Refuse every token (a misconfigured API). */
  refuseAll: boolean;
}

async function startApi(verifier: Verifier): Promise<Api> {
  const api: Api = { url: "", seen: [], revoked: new Set(), refuseAll: false };
  api.url = await resources.serve(async (req: IncomingMessage, res: ServerResponse) => {
    const authorization = req.headers.authorization ?? "";
    api.seen.push(authorization);
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const token = authorization.replace(/^Bearer /, "");
    try {
      if (api.refuseAll || api.revoked.has(token)) throw new Error("revoked");
      const auth = await verifier.verify(token);
      if (req.url === "/admin") {
        res.writeHead(403, { "www-authenticate": 'Bearer error="insufficient_scope"' }).end();
        return;
      }
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ sub: auth.sub, body: Buffer.concat(chunks).toString() }));
    } catch {
      res.writeHead(401, { "www-authenticate": 'Bearer error="invalid_token"' }).end();
    }
  });
  return api;
}

async function setUp(options: Parameters<typeof h.source>[1] = {}) {
  const issuer = await h.issuer();
  const verifier = resources.track(createVerifier({ ...issuer.verifierOptions, clientId: CLIENT_ID }));
  const api = await startApi(verifier);
  const source = h.source(issuer, options);
  return { issuer, api, source, call: clientCredentialsFetch(source) };
}

test("every call carries the source's token; 100 calls, one token request", async () => {
  const { issuer, api, call } = await setUp();
  const answers = await Promise.all(Array.from({ length: 100 }, () => call(`${api.url}/orders`)));
  for (const res of answers) expect(await res.json()).toEqual({ sub: CLIENT_ID, body: "" });
  expect(new Set(api.seen).size).toBe(1);
  expect(api.seen[0]).toMatch(/^Bearer [\w-]+\.[\w-]+\.[\w-]+$/);
  expect(issuer.oauth!.counters.client_credentials).toBe(1);
});

test("a 401 invalid_token: one refresh and one retry, with the body sent again", async () => {
  const { issuer, api, source, call } = await setUp();
  const first = await source.getToken();
  api.revoked.add(first);
  const res = await call(`${api.url}/orders`, { method: "POST", body: JSON.stringify({ id: 7 }), headers: { "content-type": "application/json" } });
  expect(res.status).toBe(200);
  expect(await res.json()).toEqual({ sub: CLIENT_ID, body: '{"id":7}' });
  expect(api.seen).toHaveLength(2);
  expect(api.seen[0]).toBe(`Bearer ${first}`);
  expect(api.seen[1]).not.toBe(`Bearer ${first}`);
  expect(issuer.oauth!.counters.client_credentials).toBe(2);
});

test("a second 401 is returned, not looped; a 403 is returned without a refresh", async () => {
  const { issuer, api, source, call } = await setUp();
  await source.getToken();
  api.refuseAll = true;
  const res = await call(`${api.url}/orders`);
  expect(res.status).toBe(401);
  expect(api.seen).toHaveLength(2);
  api.refuseAll = false;
  const forbidden = await call(`${api.url}/admin`);
  expect(forbidden.status).toBe(403);
  expect(issuer.oauth!.counters.client_credentials).toBe(2);
});

test("a streamed body is not replayed: the 401 is the caller's", async () => {
  const { api, source, call } = await setUp();
  api.revoked.add(await source.getToken());
  const body = new ReadableStream({
    start(controller) {
      controller.enqueue(new TextEncoder().encode("chunk"));
      controller.close();
    },
  });
  const res = await call(`${api.url}/orders`, { method: "POST", body, duplex: "half" } as RequestInit);
  expect(res.status).toBe(401);
  expect(api.seen).toHaveLength(1);
});

test("no token, no call: the API never sees a request without one", async () => {
  const { issuer, api, call } = await setUp({ failureCooldownMs: 0 });
  issuer.oauth!.setTokenFault({ mode: "status", status: 503 });
  await expect(call(`${api.url}/orders`)).rejects.toBeInstanceOf(ClientCredentialsError);
  issuer.oauth!.setTokenFault({ mode: "down" });
  await expect(call(`${api.url}/orders`)).rejects.toMatchObject({ code: "temporarily_unavailable" });
  expect(api.seen).toEqual([]);
});
