// Starts examples/mcp/server.js as a child process and drives it with the MCP
// SDK's own client, against a local test issuer: discovery of the user pool
// through RFC 9728, the whoami tool with a token, 403 for a missing scope.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { discoverOAuthProtectedResourceMetadata, extractResourceMetadataUrl } from "@modelcontextprotocol/sdk/client/auth.js";
import { createTestIssuer, type TestIssuer } from "@cognito-bearer/testing";
import { issuerEnv, startExample, stopAllExamples, type Running } from "../../shared/harness";

let issuer: TestIssuer;
let example: Running;

beforeAll(async () => {
  issuer = await createTestIssuer();
  example = await startExample("mcp", issuerEnv(issuer));
});

afterAll(async () => {
  await example?.stop();
  await stopAllExamples();
  await issuer?.close();
});

async function connect(token: string): Promise<Client> {
  const client = new Client({ name: "example-test", version: "0.0.0" });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${example.url}/mcp`), { requestInit: { headers: { Authorization: `Bearer ${token}` } } }));
  return client;
}

test("unauthenticated: 401 whose challenge points to the metadata, which names the user pool", async () => {
  const res = await fetch(`${example.url}/mcp`, {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "application/json, text/event-stream" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "initialize", params: {} }),
  });
  await res.arrayBuffer();
  expect(res.status).toBe(401);
  const metadataUrl = extractResourceMetadataUrl(res);
  expect(metadataUrl?.href).toBe(`${example.url}/.well-known/oauth-protected-resource`);
  const metadata = await discoverOAuthProtectedResourceMetadata(`${example.url}/mcp`, { resourceMetadataUrl: metadataUrl });
  expect(metadata).toEqual({
    resource: example.url,
    authorization_servers: [issuer.issuer],
    scopes_supported: ["mcp/tools"],
    bearer_methods_supported: ["header"],
  });
});

test("the SDK client without a token cannot connect", async () => {
  const client = new Client({ name: "example-test", version: "0.0.0" });
  await expect(client.connect(new StreamableHTTPClientTransport(new URL(`${example.url}/mcp`)))).rejects.toThrow(/401|nauthorized/);
  await client.close();
});

test("with a token: whoami is listed, and answers the caller's sub", async () => {
  const token = issuer.mintAccessToken({ username: "alice", sub: "4f1c2d3e-alice", scope: "openid mcp/tools" });
  const client = await connect(token);
  const { tools } = await client.listTools();
  expect(tools.map((tool) => tool.name)).toEqual(["whoami"]);
  const result = await client.callTool({ name: "whoami", arguments: {} });
  expect(result.structuredContent).toEqual({ sub: "4f1c2d3e-alice" });
  expect(result.content).toEqual([{ type: "text", text: JSON.stringify({ sub: "4f1c2d3e-alice" }) }]);
  await client.close();
});

test("a token without the scope: 403 insufficient_scope, with the metadata URL", async () => {
  const token = issuer.mintAccessToken({ username: "bob", scope: "openid" });
  const client = new Client({ name: "example-test", version: "0.0.0" });
  await expect(
    client.connect(new StreamableHTTPClientTransport(new URL(`${example.url}/mcp`), { requestInit: { headers: { Authorization: `Bearer ${token}` } } })),
  ).rejects.toMatchObject({ code: 403, message: expect.stringContaining("insufficient_scope") });
  await client.close();
  const res = await fetch(`${example.url}/mcp`, { method: "POST", headers: { Authorization: `Bearer ${token}` } });
  await res.arrayBuffer();
  expect(res.status).toBe(403);
  expect(res.headers.get("www-authenticate")).toBe(
    `Bearer realm="api", error="insufficient_scope", error_description="The access token needs the scope(s): mcp/tools", scope="mcp/tools", resource_metadata="${example.url}/.well-known/oauth-protected-resource"`,
  );
});
